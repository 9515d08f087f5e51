// The OCI workloads: a docker-registry upstream holding one large layer (pushed through the
// registry API), docker-registry in proxy mode as the peer, and the counts of upstream blob
// fetches from each upstream's own log.
import type { ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
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
  return (await pushLayers(base, repo, [layer]))[0] as string;
}

/** Pushes an image of these layers (tag `latest`); returns the layer digests. */
export async function pushLayers(base: string, repo: string, layers: Buffer[]): Promise<string[]> {
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
  const digests: string[] = [];
  for (const layer of layers) digests.push(await put(layer));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: digests },
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
    layers: layers.map((layer, i) => ({
      mediaType: 'application/vnd.oci.image.layer.v1.tar',
      digest: digests[i],
      size: layer.length,
    })),
  });
  const m = await fetch(`${base}/v2/${repo}/manifests/latest`, {
    method: 'PUT',
    body: manifest,
    headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (m.status !== 201) throw new Error(`manifest upload answered ${m.status}`);
  return digests;
}

/**
 * A relay to `target` that sends each response body at `bytesPerSec` (a registry behind a
 * CDN serves each connection at a bounded rate).
 */
export async function throttledRelay(target: string, bytesPerSec: number): Promise<Server> {
  const server = createServer((req, res) => {
    const up = request(
      `${target}${req.url ?? '/'}`,
      { method: req.method, headers: req.headers },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        const tick = 50;
        const quantum = Math.max(1, Math.floor((bytesPerSec * tick) / 1000));
        let held: Buffer = Buffer.alloc(0);
        let ended = false;
        const timer = setInterval(() => {
          const n = Math.min(quantum, held.length);
          if (n > 0) res.write(held.subarray(0, n));
          held = held.subarray(n);
          if (n < quantum) r.resume();
          if (ended && held.length === 0) {
            clearInterval(timer);
            res.end();
          }
        }, tick);
        r.on('data', (c: Buffer) => {
          held = Buffer.concat([held, c]);
          if (held.length > 4 * quantum) r.pause();
        });
        r.on('end', () => (ended = true));
        res.on('close', () => clearInterval(timer));
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

/**
 * A client pull as docker does it: the manifest, then the config, then the layers three at a
 * time (dockerd's max-concurrent-downloads). Returns the seconds it took.
 */
export async function emulatedPull(base: string, repo: string): Promise<number> {
  const t0 = performance.now();
  const accept = [
    'application/vnd.docker.distribution.manifest.v2+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
  ].join(', ');
  const m = await fetch(`${base}/v2/${repo}/manifests/latest`, { headers: { accept } });
  if (m.status !== 200) throw new Error(`manifest answered ${m.status}`);
  const manifest = (await m.json()) as {
    config: { digest: string };
    layers: Array<{ digest: string }>;
  };
  const blob = async (digest: string): Promise<void> => {
    const r = await fetch(`${base}/v2/${repo}/blobs/${digest}`);
    if (r.status !== 200) throw new Error(`blob answered ${r.status}`);
    await r.arrayBuffer();
  };
  await blob(manifest.config.digest);
  const queue = manifest.layers.map((l) => l.digest);
  await Promise.all(
    [0, 1, 2].map(async () => {
      for (let d = queue.shift(); d; d = queue.shift()) await blob(d);
    }),
  );
  return (performance.now() - t0) / 1000;
}

/** GETs of a blob a registry's access log shows. */
export function blobGets(log: string, digest: string): number {
  if (!existsSync(log)) return 0;
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes(`"GET /v2/`) && l.includes(`/blobs/${digest}`)).length;
}
