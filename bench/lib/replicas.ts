// W1-replicas: three Trove replicas sharing one PostgreSQL index and one S3 bucket (Ceph RGW),
// against three nginx proxy_cache nodes (each with its own cache, as nginx is deployed per
// node). 50 clients spread over the three ask for one cold object at once.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { startPostgres, hasPostgres } from '../../test/helpers/postgres.js';
import { startRgw } from '../../test/helpers/rgw.js';
import { hasTool } from '../../test/helpers/tools.js';
import { curlBurst, median, type CurlResult } from './clients.js';
import { startOrigin, startPeer, type NginxPorts } from './nginx.js';
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
    const index = await pg.database();
    const bucket = await rgw.bucket('bench');
    const troves: string[] = [];
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
          `instances:\n  files:\n    type: file\n    upstreams: [http://127.0.0.1:${ports.originForTrove}/]\n    default_policy: immutable\n`,
      );
      const child = start(process.execPath, [main, 'serve', '--config', cfg], join(node, 'log'));
      children.push(child);
      await waitForPort(port, 30_000);
      troves.push(`http://127.0.0.1:${port}/files/${file}`);
    }
    const t = await spread(troves);
    const n = await spread(peers);
    const ok = (r: { results: CurlResult[] }): boolean =>
      r.results.length === CLIENTS && r.results.every((x) => x.status === 200 && x.bytes === size);
    return {
      fetches: {
        trove: fetchCount(join(dir, 'nginx-origin', 'trove-fetches.log'), `/${file}`),
        nginx: fetchCount(join(dir, 'nginx-origin', 'nginx-fetches.log'), `/${file}`),
      },
      ttfb: {
        trove: median(t.results.map((r) => r.ttfb)),
        nginx: median(n.results.map((r) => r.ttfb)),
      },
      wall: { trove: t.wall, nginx: n.wall },
      complete: { trove: ok(t), nginx: ok(n) },
    };
  } finally {
    for (const c of children.reverse()) await stop(c);
    await Promise.all([pg.stop(), rgw.stop()]);
  }
}
