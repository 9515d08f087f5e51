// deploy/: what can be checked without a cluster or a Docker daemon. The systemd unit passes
// systemd-analyze; every compose file and manifest parses; every Trove configuration in them
// (a file, a ConfigMap, the environment of a replica) loads with Trove's own loader; probes,
// ports, volume paths and the user agree with the image; every TROVE_ variable is one Trove reads.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import { defaultRegistry } from '../../src/ecosystems/registry.js';
import { runCommand } from '../helpers/run.js';
import { hasTool, requireTools } from '../helpers/tools.js';

const registry = defaultRegistry();
const read = (p: string): string => readFileSync(join(process.cwd(), 'deploy', p), 'utf8');
// Manifests are deep trees read by path: typed loosely on purpose.
type Tree = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const docs = (p: string): Tree[] =>
  parseAllDocuments(read(p), { merge: true }).map((d) => {
    expect(d.errors, p).toEqual([]);
    return d.toJS() as Tree;
  });
const CACHE = '/var/cache/trove';
const CLI = '/opt/trove/dist/cli/main.js';
function loads(yaml: string, env: NodeJS.ProcessEnv = {}): Config {
  const file = join(mkdtempSync(join(tmpdir(), 'trove-deploy-')), 'trove.yaml');
  writeFileSync(file, yaml);
  return loadConfig(registry, { file, env }).config;
}

/**
 * A replica's whole configuration from its environment: every TROVE_ variable it sets must
 * show in the loaded configuration (a misspelt one would be ignored without a word).
 */
function replicaFromEnv(
  pairs: Array<{ name: string; value?: string; valueFrom?: Tree }>,
  advertise: string,
): void {
  const env: NodeJS.ProcessEnv = {};
  for (const { name, value, valueFrom } of pairs) {
    // Kubernetes expands $(POD_IP) and the CPU limit; secrets get stand-ins of the right shape.
    env[name] =
      value?.replace('$(POD_IP)', '10.0.0.5') ??
      (valueFrom?.['resourceFieldRef'] ? '2' : undefined) ??
      (name === 'TROVE_INDEX_URL' ? 'postgresql://trove:secret@db:5432/trove' : 'stand-in-secret');
  }
  const c = loads('{}\n', env);
  const effects: Record<string, unknown> = {
    TROVE_WORKERS: c.server.workers,
    TROVE_INDEX_URL: c.storage.index.driver === 'postgres' || undefined,
    TROVE_S3_BUCKET: c.storage.blobs.driver === 's3' ? c.storage.blobs.bucket : undefined,
    TROVE_S3_ENDPOINT: (c.storage.blobs as { endpoint?: string }).endpoint,
    TROVE_S3_REGION: (c.storage.blobs as { region?: string }).region,
    TROVE_S3_PATH_STYLE: (c.storage.blobs as { path_style?: boolean }).path_style || undefined,
    TROVE_REPLICA_LISTEN: c.replicas.listen?.port,
    TROVE_REPLICA_ADVERTISE: c.replicas.advertise,
    TROVE_REPLICA_TOKEN: c.replicas.token,
    TROVE_SECRET_KEY: c.server.secret_key,
  };
  for (const name of Object.keys(env).filter((n) => n.startsWith('TROVE_'))) {
    expect(effects[name], `${name} has no effect on the loaded configuration`).toBeDefined();
  }
  expect(c.replicas.advertise).toBe(advertise);
  expect(c.storage.blobs).toMatchObject({ driver: 's3', bucket: 'trove-cache' });
}

describe('deploy/', () => {
  it.skipIf(!requireTools('systemd-analyze'))(
    'systemd unit passes systemd-analyze verify',
    async () => {
      const r = await runCommand('systemd-analyze', ['verify', 'deploy/systemd/trove.service']);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toBe('');
      const unit = read('systemd/trove.service');
      for (const line of ['DynamicUser=yes', 'ProtectSystem=strict', `ReadWritePaths=${CACHE}`]) {
        expect(unit).toContain(line);
      }
    },
  );

  it('compose runs the image with its volume, health check and a configuration that loads', () => {
    const [compose] = docs('compose/compose.yaml');
    const trove = compose?.['services'].trove;
    expect(trove.volumes).toContain(`trove-cache:${CACHE}`);
    expect(trove.healthcheck.test).toContain(CLI);
    loads(read('compose/trove.yaml'));
    const [replicas] = docs('compose/compose.replicas.yaml');
    for (const name of ['trove-a', 'trove-b']) {
      const s = replicas?.['services'][name];
      const env = Object.entries(s.environment as Record<string, string>).map(([k, v]) => ({
        name: k,
        value: v,
      }));
      replicaFromEnv(env, `http://${name}:12346`);
      expect(s.volumes[0]).toMatch(new RegExp(`:${CACHE}$`));
    }
  });

  for (const file of ['kubernetes/trove.yaml', 'kubernetes/replicas.yaml']) {
    it(`${file}: probes, ports, user and volume agree with the image and the configuration`, () => {
      const all = docs(file);
      const workload = all.find((d) => d['kind'] === 'StatefulSet' || d['kind'] === 'Deployment');
      const pod = workload?.['spec'].template.spec;
      const c = pod.containers[0];
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true });
      expect(c.livenessProbe.httpGet.path).toBe('/health');
      expect(c.readinessProbe.httpGet.path).toBe('/ready');
      expect(c.ports[0]).toEqual({ name: 'http', containerPort: 12345 });
      expect(c.volumeMounts.map((m: { mountPath: string }) => m.mountPath)).toContain(CACHE);
      const config = all.find((d) => d['kind'] === 'ConfigMap');
      if (config) loads(config['data']['trove.yaml']);
      else replicaFromEnv(c.env, 'http://10.0.0.5:12346');
      const service = all.find((d) => d['kind'] === 'Service');
      expect(service?.['spec'].ports).toEqual([{ name: 'http', port: 12345, targetPort: 'http' }]);
    });
  }

  it('the image and the manifests agree on the user, the volume and the port', () => {
    const build = read('image/build.sh');
    expect(build).toContain('--config.user 10001:10001');
    expect(build).toContain(`--config.volume ${CACHE}`);
    expect(build).toContain('--config.exposedports 12345/tcp');
    const dockerfile = readFileSync(join(process.cwd(), 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('USER 10001:10001');
    expect(dockerfile).toContain(`VOLUME ${CACHE}`);
    const [monitor] = docs('kubernetes/servicemonitor.yaml');
    expect(monitor?.['spec'].endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
  });

  // kubectl is not a Debian package: checked where the machine has it.
  it.skipIf(!hasTool('kubectl'))('kustomization builds', async () => {
    const r = await runCommand('kubectl', ['kustomize', 'deploy/kubernetes']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('kind: StatefulSet');
  });
});
