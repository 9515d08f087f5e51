// W1-replicas: three Trove replicas sharing one PostgreSQL index and one S3 bucket (Ceph RGW),
// against three nginx proxy_cache nodes (each with its own cache, as nginx is deployed per
// node). 50 clients spread over the three ask for one cold object at once. W1-OCI-replicas:
// the same for a cold image layer, against three docker-registry pull-through caches sharing
// one bucket of the same RGW (how distribution is scaled out).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startPostgres, hasPostgres } from '../../test/helpers/postgres.js';
import { startRgw } from '../../test/helpers/rgw.js';
import { hasTool } from '../../test/helpers/tools.js';
import { curlBurst, median, type CurlResult } from './clients.js';
import { startOrigin, startPeer, type NginxPorts } from './nginx.js';
import { REGISTRY, blobGets, pushImage, startRegistry, type RegistryProc } from './oci.js';
import { freePort, start, stop, waitForPort } from './proc.js';

export interface ReplicaFigures {
  fetches: { trove: number; nginx: number };
  ttfb: { trove: number; nginx: number };
  wall: { trove: number; nginx: number };
  complete: { trove: boolean; nginx: boolean };
}

const REPLICAS = 3;
const CLIENTS = 50;

export function replicasAvailable(): boolean {
  return hasPostgres() && ['ceph-mon', 'ceph-osd', 'radosgw'].every((t) => hasTool(t));
}

/** 50 clients split over the nodes at once; every result and the wall time. */
async function spread(urls: string[]): Promise<{ results: CurlResult[]; wall: number }> {
  const t0 = performance.now();
  const share = (i: number): number =>
    Math.floor(CLIENTS / urls.length) + (i < CLIENTS % urls.length ? 1 : 0);
  const bursts = await Promise.all(urls.map((u, i) => curlBurst(u, share(i))));
  return {
    results: bursts.flatMap((b) => b.results),
    wall: (performance.now() - t0) / 1000,
  };
}

type Pg = Awaited<ReturnType<typeof startPostgres>>;
type Rgw = Awaited<ReturnType<typeof startRgw>>;

/** Three Trove replicas on one new database and bucket; their base URLs. */
async function startTroveReplicas(
  dir: string,
  main: string,
  pg: Pg,
  rgw: Rgw,
  instances: string,
  children: ChildProcess[],
): Promise<string[]> {
  const index = await pg.database();
  const bucket = await rgw.bucket('bench');
  const bases: string[] = [];
  for (let i = 0; i < REPLICAS; i++) {
    const node = join(dir, `trove-${i}`);
    mkdirSync(node, { recursive: true });
    const port = await freePort();
    const internal = await freePort();
    const cfg = join(node, 'trove.yaml');
    writeFileSync(
      cfg,
      `server:\n  listen: 127.0.0.1:${port}\n  workers: 1\nlog:\n  level: warn\n` +
        `storage:\n  dir: ${join(node, 'cache')}\n  index:\n    url: ${JSON.stringify(index)}\n` +
        `  blobs:\n    bucket: ${bucket}\n    endpoint: ${rgw.endpoint}\n    path_style: true\n` +
        `    access_key_id: ${rgw.accessKeyId}\n    secret_access_key: ${rgw.secretAccessKey}\n` +
        `replicas:\n  listen: 127.0.0.1:${internal}\n  token: bench-secret\n` +
        instances,
    );
    const child = start(process.execPath, [main, 'serve', '--config', cfg], join(node, 'log'));
    children.push(child);
    await waitForPort(port, 30_000);
    bases.push(`http://127.0.0.1:${port}`);
  }
  return bases;
}

const complete = (r: { results: CurlResult[] }, size: number): boolean =>
  r.results.length === CLIENTS && r.results.every((x) => x.status === 200 && x.bytes === size);

function figures(
  fetches: { trove: number; nginx: number },
  t: { results: CurlResult[]; wall: number },
  n: { results: CurlResult[]; wall: number },
  size: number,
): ReplicaFigures {
  return {
    fetches,
    ttfb: {
      trove: median(t.results.map((r) => r.ttfb)),
      nginx: median(n.results.map((r) => r.ttfb)),
    },
    wall: { trove: t.wall, nginx: n.wall },
    complete: { trove: complete(t, size), nginx: complete(n, size) },
  };
}

export async function replicasWorkload(
  work: string,
  data: string,
  file: string,
  size: number,
  main: string,
  fetchCount: (log: string, path: string) => number,
): Promise<ReplicaFigures> {
  const dir = join(work, 'replicas');
  mkdirSync(dir, { recursive: true });
  const children: ChildProcess[] = [];
  const [pg, rgw] = await Promise.all([startPostgres(), startRgw()]);
  try {
    const ports: NginxPorts = {
      originForTrove: await freePort(),
      originForNginx: await freePort(),
      proxy: 0,
      static: 0,
    };
    children.push(await startOrigin(dir, data, ports));
    const peers: string[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const p = { ...ports, proxy: await freePort(), static: await freePort() };
      children.push(await startPeer(join(dir, `nginx-${i}`), data, p, 1));
      peers.push(`http://127.0.0.1:${p.proxy}/${file}`);
    }
    const instances = `instances:\n  files:\n    type: file\n    upstreams: [http://127.0.0.1:${ports.originForTrove}/]\n    default_policy: immutable\n`;
    const troves = (await startTroveReplicas(dir, main, pg, rgw, instances, children)).map(
      (base) => `${base}/files/${file}`,
    );
    const t = await spread(troves);
    const n = await spread(peers);
    const fetches = {
      trove: fetchCount(join(dir, 'nginx-origin', 'trove-fetches.log'), `/${file}`),
      nginx: fetchCount(join(dir, 'nginx-origin', 'nginx-fetches.log'), `/${file}`),
    };
    return figures(fetches, t, n, size);
  } finally {
    for (const c of children.reverse()) await stop(c);
    await Promise.all([pg.stop(), rgw.stop()]);
  }
}

/** A docker-registry pull-through cache of `remote` on an S3 bucket that others share. */
async function startS3Proxy(dir: string, rgw: Rgw, bucket: string, remote: string) {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  s3:\n    accesskey: ${rgw.accessKeyId}\n` +
      `    secretkey: ${rgw.secretAccessKey}\n    region: us-east-1\n    regionendpoint: ${rgw.endpoint}\n` +
      `    bucket: ${bucket}\n    secure: false\n    v4auth: true\n` +
      // Hits are served through the registry, as Trove serves them (its redirects are off too).
      `  redirect:\n    disable: true\nhttp:\n  addr: 127.0.0.1:${port}\nproxy:\n  remoteurl: ${remote}\n`,
  );
  // The machine's AWS_CA_BUNDLE makes the registry's AWS SDK panic (it cannot load a bundle
  // into its HTTP transport); the endpoint is plain HTTP.
  const child = start(REGISTRY, ['serve', join(dir, 'config.yml')], join(dir, 'registry.log'), {
    ...process.env,
    AWS_CA_BUNDLE: '',
  });
  await waitForPort(port, 30_000);
  return { child, port };
}

/**
 * W1-OCI-replicas: 50 clients over 3 Trove replicas, and over 3 docker-registry pull-through
 * caches sharing one bucket, on one cold layer; upstream blob GETs from each upstream's log.
 */
export async function ociReplicasWorkload(
  work: string,
  layer: Buffer,
  main: string,
): Promise<ReplicaFigures> {
  const dir = join(work, 'oci-replicas');
  mkdirSync(dir, { recursive: true });
  const children: ChildProcess[] = [];
  const [pg, rgw] = await Promise.all([startPostgres(), startRgw()]);
  try {
    // Two upstream registries on one storage: fetches by Trove and by the peer are counted apart.
    const storage = join(dir, 'upstream-storage');
    const ups: RegistryProc[] = [];
    for (const name of ['up-trove', 'up-peer']) {
      const up = await startRegistry(join(dir, name), await freePort(), storage);
      children.push(up.child);
      ups.push(up);
    }
    const [upT, upP] = ups as [RegistryProc, RegistryProc];
    const digest = await pushImage(`http://127.0.0.1:${upT.port}`, 'bench/img', layer);
    const instances = `instances:\n  oci:\n    type: oci\n    registries:\n      upstream.bench: http://127.0.0.1:${upT.port}\n`;
    const troves = (await startTroveReplicas(dir, main, pg, rgw, instances, children)).map(
      (base) => `${base}/v2/upstream.bench/bench/img/blobs/${digest}`,
    );
    const bucket = await rgw.bucket('dist');
    const peers: string[] = [];
    for (let i = 0; i < REPLICAS; i++) {
      const p = await startS3Proxy(
        join(dir, `dist-${i}`),
        rgw,
        bucket,
        `http://127.0.0.1:${upP.port}`,
      );
      children.push(p.child);
      peers.push(`http://127.0.0.1:${p.port}/v2/bench/img/blobs/${digest}`);
    }
    const t = await spread(troves);
    const n = await spread(peers);
    const fetches = { trove: blobGets(upT.log, digest), nginx: blobGets(upP.log, digest) };
    return figures(fetches, t, n, layer.length);
  } finally {
    for (const c of children.reverse()) await stop(c);
    await Promise.all([pg.stop(), rgw.stop()]);
  }
}
