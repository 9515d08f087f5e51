// W7-auth: good clients' hit latency while 1,000 requests/s of wrong passwords arrive, against
// nginx's auth_basic over the same htpasswd (bcrypt, cost 10) in front of its proxy_cache.
// The flood comes from one address, then sprayed over 200 addresses (each gets its own
// failure budget in Trove). Good clients use wrk with a valid Basic header.
import { hashSync } from '@node-rs/bcrypt';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { wrk, type WrkResult } from './clients.js';
import { freePort, start, waitForPort } from './proc.js';

export interface FloodFigures {
  baseline: WrkResult;
  /** Good clients while one address floods. */
  single: WrkResult;
  /** Good clients while 200 addresses flood. */
  spray: WrkResult;
  /** What the flood got back, by status. */
  floodStatus: Record<string, number>;
}

export const GOOD = { user: 'good', password: 'good-password' };
export const goodHeader = `Authorization: Basic ${Buffer.from(`${GOOD.user}:${GOOD.password}`).toString('base64')}`;

/** An htpasswd file with the good user and 50 others (bcrypt cost 10, as `htpasswd -B` makes). */
export function htpasswdFile(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'htpasswd');
  const lines = [`${GOOD.user}:${hashSync(GOOD.password, 10)}`];
  for (let i = 0; i < 50; i++) lines.push(`user${i}:${hashSync(`pw-${i}`, 10)}`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** nginx with auth_basic in front of a proxy_cache of the origin, one worker. */
export async function startAuthPeer(
  work: string,
  htpasswd: string,
  originPort: number,
): Promise<{ child: ChildProcess; port: number }> {
  const dir = join(work, 'nginx-auth');
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const port = await freePort();
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log crit;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 1000000;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=auth:16m max_size=2g inactive=1h use_temp_path=off;
  server {
    listen 127.0.0.1:${port};
    auth_basic "bench";
    auth_basic_user_file ${htpasswd};
    location / {
      proxy_pass http://127.0.0.1:${originPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Authorization "";
      proxy_cache auth;
      proxy_cache_valid 200 1h;
    }
  }
}
`,
  );
  const child = start('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], join(dir, 'stdout.log'));
  await waitForPort(port);
  return { child, port };
}

/** `rate` requests per second with random wrong passwords, from `sources` addresses, for `ms`. */
export async function flood(
  url: string,
  rate: number,
  ms: number,
  sources: string[],
): Promise<Record<string, number>> {
  const u = new URL(url);
  const status: Record<string, number> = {};
  const end = Date.now() + ms;
  let n = 0;
  const inFlight = new Set<Promise<void>>();
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const auth = Buffer.from(`user${n % 50}:wrong-${n}-${Math.random()}`).toString('base64');
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          localAddress: sources[n % sources.length],
          headers: { authorization: `Basic ${auth}` },
          timeout: 10_000,
        },
        (res) => {
          status[res.statusCode ?? 0] = (status[res.statusCode ?? 0] ?? 0) + 1;
          res.resume();
          res.on('end', resolve);
          res.on('error', () => resolve());
        },
      );
      n++;
      req.on('timeout', () => req.destroy());
      req.on('error', (err: NodeJS.ErrnoException) => {
        const k = `error ${err.code ?? 'unknown'}`;
        status[k] = (status[k] ?? 0) + 1;
        resolve();
      });
      req.end();
    });
  // 10 ms ticks of rate/100 requests each, bounded by the time limit and 4,000 in flight.
  while (Date.now() < end) {
    for (let i = 0; i < rate / 100 && inFlight.size < 4000; i++) {
      const p = one().finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(inFlight);
  return status;
}

/** Good clients' hits (wrk) without a flood, under one address's flood, under a spray. */
export async function floodWorkload(
  url: string,
  script: string,
  seconds: number,
): Promise<FloodFigures> {
  const good = (): Promise<WrkResult> =>
    wrk(url, {
      connections: 16,
      seconds,
      script,
      headers: [goodHeader],
      env: { PREFIX: new URL(url).pathname.replace(/\/$/, '') },
    });
  const baseline = await good();
  const floodStatus: Record<string, number> = {};
  const add = (s: Record<string, number>) => {
    for (const [k, v] of Object.entries(s)) floodStatus[k] = (floodStatus[k] ?? 0) + v;
  };
  const during = async (sources: string[]): Promise<WrkResult> => {
    const attack = flood(`${url}/flood`, 1000, (seconds + 1) * 1000, sources);
    const got = await good();
    add(await attack);
    return got;
  };
  const single = await during(['127.0.0.2']);
  const spray = await during(
    Array.from({ length: 200 }, (_, i) => `127.0.${1 + Math.floor(i / 250)}.${(i % 250) + 3}`),
  );
  return { baseline, single, spray, floodStatus };
}
