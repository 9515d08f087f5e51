// Fuzzed requests against every mount: mutated paths (encodings, traversal, scheme-like and
// huge segments), methods, Range and conditional headers, Host and X-Forwarded-* variants,
// and request-smuggling shapes, on raw sockets. Canary files sit beside the storage directory
// and behind the origin; the origin logs every path it is asked. Findings: any escape (a path
// outside a mount's base, a canary's bytes in an answer, a connection to the canary port), any
// 500, any file written outside the storage layout, and a crash.
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { corpus } from '../lib/corpus.js';
import { MOUNTS } from '../lib/mounts.js';
import { startOrigin } from '../lib/origin.js';
import { exchange } from '../lib/raw.js';
import { Rng } from '../lib/rng.js';
import { fmt, type Scenario } from '../lib/scenario.js';
import { startTrove } from '../lib/trove.js';

const SECRET_FILE = 'canary-on-disk-7f3a9c';
const SECRET_ORIGIN = 'canary-behind-origin-1b2c3d';

const SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2e',
  '%252e%252e',
  '..%2f',
  '%2f',
  '%5c',
  '\\',
  '..\\..',
  '%00',
  '%0a',
  'http:',
  'https:',
  'file:',
  'sha256:',
  'javascript:',
  'HTTP:',
  '%68ttp:',
  'http:%2f%2f',
  '@',
  ':',
  '!',
  '!!',
  '%21',
  '%25',
  '%',
  '%zz',
  '~',
  '.git',
  '.env',
  '%c0%ae%c0%ae',
  '%e2%80%ae',
  'é',
  '\u{1F600}',
  'a'.repeat(300),
  '?',
  '#',
  ';',
  'CON',
  'nul',
  '-',
  '--',
  '*',
  '**',
  '{x}',
  '$(id)',
  '`id`',
];
const METHODS = [
  'GET',
  'GET',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'get',
  'G\u0000ET',
  'CONNECT',
];
const RANGES = [
  'bytes=0-0',
  'bytes=0-',
  'bytes=-1',
  'bytes=5-2',
  'bytes=-0',
  'bytes=0-99999999999999999999',
  'bytes=1-2,3-4',
  'bytes=abc',
  'items=0-1',
  'bytes=--1',
  'bytes=0-1 ',
  'bytes= 0-1',
  `bytes=${2 ** 53}-`,
  'bytes=-9007199254740993',
];

function path(rng: Rng, canaryPort: number): string {
  const mount = rng.pick(MOUNTS);
  const sample = rng.pick(mount.samples).split('/');
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    const at = rng.int(sample.length + 1);
    const seg = rng.chance(0.15) ? `http:127.0.0.1:${canaryPort}` : rng.pick(SEGMENTS);
    if (rng.chance(0.5)) sample.splice(at, 0, seg);
    else sample[Math.min(at, sample.length - 1)] = seg;
  }
  const prefix = rng.chance(0.9) ? mount.prefix : rng.pick(['/', '//', '/_trove/', '/%2e%2e/', '']);
  let p = prefix + sample.join(rng.chance(0.1) ? '//' : '/');
  if (rng.chance(0.1))
    p += `?${rng.pick(['a=b', 'n=1&last=../../x', 'x=%00', '=', '&&', 'ns=127.0.0.1:' + canaryPort])}`;
  return p.replace(/[\r\n ]/g, '%20');
}

function request(rng: Rng, port: number, canaryPort: number): string {
  const headers: string[] = [];
  const host = rng.chance(0.9)
    ? `127.0.0.1:${port}`
    : rng.pick(['', 'evil.test', `127.0.0.1:${canaryPort}`, 'a'.repeat(2000), 'docker.127.0.0.1']);
  headers.push(`Host: ${host}`);
  if (rng.chance(0.03)) headers.push(`Host: other.test`);
  if (rng.chance(0.3)) headers.push(`Range: ${rng.pick(RANGES)}`);
  if (rng.chance(0.1)) headers.push(`If-None-Match: ${rng.pick(['*', '"x"', 'W/"y", "z"', '""'])}`);
  if (rng.chance(0.1))
    headers.push(
      `If-Modified-Since: ${rng.pick(['yesterday', 'Thu, 01 Jan 1970 00:00:00 GMT', ''])}`,
    );
  if (rng.chance(0.1))
    headers.push(`X-Forwarded-Host: ${rng.pick(['evil.test', `127.0.0.1:${canaryPort}`])}`);
  if (rng.chance(0.1)) headers.push(`X-Forwarded-Proto: ${rng.pick(['https', 'gopher', ''])}`);
  if (rng.chance(0.1))
    headers.push(
      `Authorization: ${rng.pick(['Bearer x', 'Basic !!!', 'Basic ' + Buffer.from('a:b').toString('base64'), ''])}`,
    );
  if (rng.chance(0.1))
    headers.push(
      `Accept: ${rng.pick(['*/*', 'application/vnd.oci.image.index.v1+json;q=0.5', ';;;', 'a/b;q=x'])}`,
    );
  let body = '';
  if (rng.chance(0.05)) {
    // Smuggling shapes: the second request must never reach an upstream.
    const second = `GET /files/smuggled-${rng.int(1000)} HTTP/1.1\r\nHost: x\r\n\r\n`;
    const shape = rng.int(4);
    if (shape === 0) headers.push('Content-Length: 4', 'Transfer-Encoding: chunked');
    if (shape === 1) headers.push('Content-Length: 0', `Content-Length: ${second.length}`);
    if (shape === 2) headers.push('Transfer-Encoding: xchunked');
    if (shape === 3) headers.push('X-A: 1', ' Transfer-Encoding: chunked');
    body = `0\r\n\r\n${second}`;
  } else headers.push('Connection: close');
  const method = rng.pick(METHODS);
  return `${method} ${path(rng, canaryPort)} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}

/** Files under the storage directory that its layout does not explain. */
function strays(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (statSync(p).isDirectory()) walk(p);
      else if (
        !/^(index\.db(-wal|-shm)?|tmp\/.*|blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64})$/.test(
          rel,
        )
      )
        out.push(rel);
    }
  };
  walk(dir);
  return out;
}

export const fuzz: Scenario = async ({ quick, dir }) => {
  const total = Number(process.env['REL_FUZZ'] ?? (quick ? 3000 : 52_000));
  const seed = Number(process.env['REL_SEED'] ?? 20261130);
  const objects = corpus(8, 64 * 1024, 'fuzz');
  const origin = await startOrigin({
    bases: MOUNTS.flatMap((m) => m.bases),
    prefix: '/base/',
    objects,
    routes: { '/secret': (res) => void res.writeHead(200).end(SECRET_ORIGIN) },
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), SECRET_FILE);
  const cache = join(dir, 'cache');
  const trove = await startTrove(
    dir,
    `storage:\n  dir: ${cache}\ninstances:\n${MOUNTS.map((m) => m.yaml(origin.url)).join('')}`,
  );
  const rng = new Rng(seed);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  let sent = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (sent < total && !trove.crashed()) {
        sent++;
        const req = request(rng, trove.port, origin.canaryPort);
        const a = await exchange(trove.port, req);
        for (const s of a.statuses) statuses.set(s, (statuses.get(s) ?? 0) + 1);
        if (a.text.includes(SECRET_FILE) || a.text.includes(SECRET_ORIGIN)) {
          failures.push(`a canary came back for: ${req.split('\r\n')[0]}`);
        }
        if (a.statuses.includes(500) && failures.length < 50) {
          failures.push(`500 for: ${JSON.stringify(req.split('\r\n')[0])}`);
        }
      }
    }),
  );
  const crashed = trove.crashed();
  if (crashed) failures.push(`Trove ${crashed}`);
  const smuggled = origin.asked.filter((u) => u.includes('smuggled'));
  if (smuggled.length)
    failures.push(`smuggled requests reached the origin: ${smuggled.slice(0, 3).join(', ')}`);
  failures.push(...origin.escapes().slice(0, 20));
  await trove.stop();
  const stray = strays(cache);
  if (stray.length)
    failures.push(`files outside the storage layout: ${stray.slice(0, 5).join(', ')}`);
  await origin.close();
  const byClass = [2, 3, 4, 5].map((c) => {
    let n = 0;
    for (const [s, k] of statuses) if (Math.floor(s / 100) === c) n += k;
    return `${c}xx ${fmt(n)}`;
  });
  return {
    name: 'fuzz',
    ok: failures.length === 0,
    failures,
    line:
      `${fmt(sent)} fuzzed requests (seed ${seed}) over ${MOUNTS.length} mounts: ${byClass.join(', ')}; ` +
      `upstream asked ${fmt(origin.asked.length)} times, escapes ${origin.escapes().length}, ` +
      `smuggled ${smuggled.length}, 500s ${statuses.get(500) ?? 0}, stray files ${stray.length}, crashes ${crashed ? 1 : 0}`,
  };
};
