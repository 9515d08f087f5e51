// The OCI workloads: a docker-registry upstream holding one large layer (pushed through the
// registry API), docker-registry in proxy mode as the peer, and the counts of upstream blob
// fetches from each upstream's own log.
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { start, waitForPort } from './proc.js';

export const REGISTRY = '/usr/bin/docker-registry';

export interface RegistryProc {
  child: ChildProcess;
  port: number;
  log: string;
}

/** docker-registry serving `storage`; as a pull-through proxy of `remote` when given. */
export async function startRegistry(
  dir: string,
  port: number,
  storage: string,
  remote?: string,
): Promise<RegistryProc> {
  mkdirSync(dir, { recursive: true });
  const proxy = remote ? `proxy:\n  remoteurl: ${remote}\n` : '';
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: info\n  formatter: text\n  accesslog:\n    disabled: false\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  cache:\n    blobdescriptor: inmemory\nhttp:\n  addr: 127.0.0.1:${port}\n${proxy}`,
  );
  const log = join(dir, 'registry.log');
  const child = start(REGISTRY, ['serve', join(dir, 'config.yml')], log);
  await waitForPort(port);
  return { child, port, log };
}

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Pushes a blob, a config and a manifest through the registry API; returns the layer digest. */
export async function pushImage(base: string, repo: string, layer: Buffer): Promise<string> {
  const put = async (body: Buffer): Promise<string> => {
    const digest = sha256(body);
    const start = await fetch(`${base}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location') ?? '', base);
    location.searchParams.set('digest', digest);
    const done = await fetch(location, {
      method: 'PUT',
      body,
      headers: { 'content-type': 'application/octet-stream' },
    });
    if (done.status !== 201) throw new Error(`blob upload answered ${done.status}`);
    return digest;
  };
  const layerDigest = await put(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const configDigest = await put(config);
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: configDigest,
      size: config.length,
    },
    layers: [
      {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        digest: layerDigest,
        size: layer.length,
      },
    ],
  });
  const m = await fetch(`${base}/v2/${repo}/manifests/latest`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (m.status !== 201) throw new Error(`manifest upload answered ${m.status}`);
  return layerDigest;
}

/** GETs of a blob a registry's access log shows. */
export function blobGets(log: string, digest: string): number {
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"GET /v2/`) && l.includes(`/blobs/${digest}`)).length;
}
