// docs/scale-out.md's deployment examples are checked: each YAML block parses, and the
// environment each one gives a replica loads into the configuration it means (a shared index,
// a bucket, and an internal endpoint advertised at the replica's own address).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import { defaultRegistry } from '../../src/ecosystems/registry.js';

const doc = readFileSync(new URL('../../docs/scale-out.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('### A deployment'), doc.indexOf('### When PostgreSQL'));
const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);

type EnvVar = { name: string; value?: string; valueFrom?: unknown };
const parse = (text: string): Record<string, unknown> => {
  // Compose files use YAML 1.1 merge keys (`<<: *anchor`).
  const docs = parseAllDocuments(text, { merge: true });
  for (const d of docs) expect(d.errors).toEqual([]);
  return docs[0]?.toJS() as Record<string, unknown>;
};

function expectReplica(env: NodeJS.ProcessEnv, advertise: string): void {
  const { config } = loadConfig(defaultRegistry(), { env });
  expect(config.storage.index.driver).toBe('postgres');
  expect(config.storage.blobs).toMatchObject({ driver: 's3', bucket: 'trove-cache' });
  expect(config.storage.dir).toBe('/var/cache/trove');
  expect(config.replicas.advertise).toBe(advertise);
  expect(config.replicas.listen).toMatchObject({ host: '0.0.0.0', port: 12346 });
}

describe('docs/scale-out.md deployment examples', () => {
  it('has a Kubernetes Deployment whose environment configures a replica', () => {
    expect(blocks).toHaveLength(2);
    const deployment = parse(blocks[0] as string) as {
      kind: string;
      spec: { template: { spec: { containers: Array<{ env: EnvVar[] }> } } };
    };
    expect(deployment.kind).toBe('Deployment');
    const env: NodeJS.ProcessEnv = {};
    for (const v of deployment.spec.template.spec.containers[0]?.env ?? []) {
      // Secrets and the downward API, as the kubelet would fill them in.
      const secret =
        v.name === 'TROVE_INDEX_URL' ? 'postgresql://trove:pw@db:5432/trove' : 's3cr3t';
      const given = v.value ?? (v.name === 'POD_IP' ? '10.1.2.3' : secret);
      env[v.name] = given.replace(/\$\((\w+)\)/g, (_, name: string) => env[name] ?? '');
    }
    expectReplica(env, 'http://10.1.2.3:12346');
  });

  it('has a compose file whose replicas are configured by their environment', () => {
    const compose = parse(blocks[1] as string) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    expectReplica(compose.services['trove-a']?.environment ?? {}, 'http://trove-a:12346');
    expectReplica(compose.services['trove-b']?.environment ?? {}, 'http://trove-b:12346');
  });
});
