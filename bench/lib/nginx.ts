// nginx for the benchmark: the origin both proxies fetch from, and the peer (proxy_cache with
// proxy_cache_lock, plus static serving of the same files: the physical limit).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { start, waitForPort } from './proc.js';

export interface NginxPorts {
  originForTrove: number;
  originForNginx: number;
  proxy: number;
  static: number;
}

function conf(work: string, data: string, workers: number, servers: string): string {
  return `worker_processes ${workers};
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/error.log warn;
events { worker_connections 4096; }
http {
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  keepalive_timeout 65;
  types { application/octet-stream bin; text/html html; }
  default_type application/octet-stream;
  log_format bench '$request_uri $status $body_bytes_sent';
  ${servers.replaceAll('DATA', data).replaceAll('WORK', work)}
}
`;
}

export async function startOrigin(
  work: string,
  data: string,
  p: NginxPorts,
): Promise<ChildProcess> {
  const dir = join(work, 'nginx-origin');
  mkdirSync(dir, { recursive: true });
  const servers = `
  server { listen 127.0.0.1:${p.originForTrove}; root DATA; access_log WORK/trove-fetches.log bench; }
  server { listen 127.0.0.1:${p.originForNginx}; root DATA; access_log WORK/nginx-fetches.log bench; }`;
  writeFileSync(join(dir, 'nginx.conf'), conf(dir, data, 2, servers));
  const child = start('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], join(dir, 'stdout.log'));
  await waitForPort(p.originForNginx);
  return child;
}

export async function startPeer(
  work: string,
  data: string,
  p: NginxPorts,
  workers: number,
): Promise<ChildProcess> {
  const dir = join(work, 'nginx-peer');
  mkdirSync(join(dir, 'cache'), { recursive: true });
  const servers = `
  proxy_cache_path WORK/cache levels=1:2 keys_zone=bench:16m max_size=20g inactive=1h use_temp_path=off;
  server {
    listen 127.0.0.1:${p.proxy};
    access_log WORK/proxy.log bench;
    location / {
      proxy_pass http://127.0.0.1:${p.originForNginx};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache bench;
      proxy_cache_valid 200 1h;
      proxy_cache_lock on;
      proxy_cache_lock_timeout 10m;
      proxy_cache_lock_age 10m;
      add_header X-Cache $upstream_cache_status;
    }
  }
  server { listen 127.0.0.1:${p.static}; root DATA; access_log WORK/static.log bench; }`;
  writeFileSync(join(dir, 'nginx.conf'), conf(dir, data, workers, servers));
  const child = start('nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], join(dir, 'stdout.log'));
  await waitForPort(p.static);
  return child;
}
