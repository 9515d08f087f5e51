// The upstream fault matrix: 34 ways an upstream can misbehave, each met without a cached copy
// (an immutable instance, so anything wrongly kept would stay) and with a stale one (a
// revalidating instance). Without a copy the client must get an error status or a detectably
// cut body, never a 404 for trouble and never the upstream's odd status as the object; with a
// copy it must get the copy, whole. Once the upstream heals, every key must serve the good body:
// nothing broken was kept.
import { createServer, type Socket } from 'node:net';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { fetch, type Fetched } from '../lib/client.js';
import { fmt, type Scenario } from '../lib/scenario.js';
import { startTrove } from '../lib/trove.js';

type Expect = 'error' | 'negative' | 'passed' | 'decoded' | 'as-sent';

const GOOD = Buffer.from('good object v2\n'.repeat(14_000));
const OLD = Buffer.from('the cached copy v1\n'.repeat(500));
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
// Every answer says `connection: close`: the raw server ends each socket after one answer, and a
// client must not be left to race that close with its next request on the same socket.
const head = (status: string, extra = ''): string =>
  `HTTP/1.1 ${status}\r\nconnection: close\r\n${extra}`;
const ok = (len: number, extra = ''): string =>
  head('200 OK', `content-length: ${len}\r\n${extra}\r\n`);

/** Each shape: what the raw socket gets, and what the client should see without a copy. */
const SHAPES: Array<[string, Expect, (s: Socket, canary: number, path: string) => void]> = [
  ['close before headers', 'error', (s) => s.end()],
  ['reset before headers', 'error', (s) => s.resetAndDestroy()],
  ['garbage status line', 'error', (s) => s.end('HTTP/1.1 abc\r\n\r\n')],
  ['HTTP/0.9 body, no status line', 'error', (s) => s.end('just some bytes\n')],
  ['headers never come', 'error', () => undefined],
  [
    'body stalls past the idle timeout',
    'error',
    (s) => s.write(ok(GOOD.length) + GOOD.subarray(0, 5000).toString()),
  ],
  [
    'reset mid-body',
    'error',
    (s) =>
      s.write(ok(GOOD.length) + GOOD.subarray(0, 50_000).toString(), () => s.resetAndDestroy()),
  ],
  [
    'clean close short of Content-Length',
    'error',
    (s) => s.end(ok(GOOD.length) + GOOD.subarray(0, 50_000).toString()),
  ],
  ['500', 'error', (s) => s.end(head('500 Internal Server Error', 'content-length: 0\r\n\r\n'))],
  ['502', 'error', (s) => s.end(head('502 Bad Gateway', 'content-length: 0\r\n\r\n'))],
  ['503', 'error', (s) => s.end(head('503 Service Unavailable', 'content-length: 0\r\n\r\n'))],
  ['504', 'error', (s) => s.end(head('504 Gateway Timeout', 'content-length: 0\r\n\r\n'))],
  [
    '429',
    'error',
    (s) => s.end(head('429 Too Many Requests', 'retry-after: 1\r\ncontent-length: 0\r\n\r\n')),
  ],
  ['404', 'negative', (s) => s.end(head('404 Not Found', 'content-length: 0\r\n\r\n'))],
  ['410', 'negative', (s) => s.end(head('410 Gone', 'content-length: 0\r\n\r\n'))],
  ['403', 'passed', (s) => s.end(head('403 Forbidden', 'content-length: 0\r\n\r\n'))],
  [
    '206 to a plain GET',
    'error',
    (s) =>
      s.end(
        head(
          '206 Partial Content',
          'content-range: bytes 0-9/100\r\ncontent-length: 10\r\n\r\n0123456789',
        ),
      ),
  ],
  ['304 to an unconditional GET', 'error', (s) => s.end(head('304 Not Modified', '\r\n'))],
  ['204', 'error', (s) => s.end(head('204 No Content', '\r\n'))],
  [
    '301 without Location',
    'error',
    (s) => s.end(head('301 Moved Permanently', 'content-length: 0\r\n\r\n')),
  ],
  [
    'redirect loop',
    'error',
    (s, _c, path) => s.end(head('302 Found', `location: ${path}\r\ncontent-length: 0\r\n\r\n`)),
  ],
  [
    'redirect to file:',
    'error',
    (s) => s.end(head('302 Found', 'location: file:///etc/passwd\r\ncontent-length: 0\r\n\r\n')),
  ],
  [
    'redirect with credentials',
    'error',
    (s, c) =>
      s.end(
        head('302 Found', `location: http://u:p@127.0.0.1:${c}/x\r\ncontent-length: 0\r\n\r\n`),
      ),
  ],
  [
    'gzip nobody asked for',
    'decoded',
    (s) => {
      const z = gzipSync(GOOD);
      s.end(Buffer.concat([Buffer.from(ok(z.length, 'content-encoding: gzip\r\n')), z]));
    },
  ],
  [
    'brotli nobody asked for',
    'decoded',
    (s) => {
      const z = brotliCompressSync(GOOD);
      s.end(Buffer.concat([Buffer.from(ok(z.length, 'content-encoding: br\r\n')), z]));
    },
  ],
  [
    'gzip whose stream is cut',
    'error',
    (s) => {
      const g = gzipSync(GOOD);
      const z = g.subarray(0, g.length - 6);
      s.end(Buffer.concat([Buffer.from(ok(z.length, 'content-encoding: gzip\r\n')), z]));
    },
  ],
  [
    'a coding nobody can decode',
    'error',
    (s) => s.end(ok(GOOD.length, 'content-encoding: compress\r\n') + GOOD.toString()),
  ],
  ['close-delimited, whole', 'as-sent', (s) => s.end(head('200 OK', '\r\n') + GOOD.toString())],
  [
    'close-delimited, cut',
    'as-sent',
    (s) => s.end(head('200 OK', '\r\n') + GOOD.subarray(0, 70_000).toString()),
  ],
  [
    'chunked with a bad chunk size',
    'error',
    (s) => s.end(head('200 OK', 'transfer-encoding: chunked\r\n\r\n') + 'zz\r\nabc\r\n0\r\n\r\n'),
  ],
  [
    'chunked without its last chunk',
    'error',
    (s) =>
      s.end(
        head('200 OK', 'transfer-encoding: chunked\r\n\r\n') +
          '2710\r\n' +
          GOOD.subarray(0, 10_000).toString() +
          '\r\n',
      ),
  ],
  [
    'two different Content-Lengths',
    'error',
    (s) =>
      s.end(
        head('200 OK', `content-length: 10\r\ncontent-length: ${GOOD.length}\r\n\r\n`) +
          GOOD.toString(),
      ),
  ],
  [
    'a 64 KiB header',
    'error',
    (s) => s.end(head('200 OK', `x-big: ${'a'.repeat(65_536)}\r\ncontent-length: 2\r\n\r\nok`)),
  ],
  [
    'Repr-Digest that does not match',
    'error',
    (s) =>
      s.end(
        ok(
          GOOD.length,
          `repr-digest: sha-256=:${Buffer.from(sha(OLD), 'hex').toString('base64')}:\r\n`,
        ) + GOOD.toString(),
      ),
  ],
];

export const faults: Scenario = async ({ dir }) => {
  let healthy = false;
  const seen = new Map<string, number>();
  const raw = createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', (d: Buffer) => {
      const path = /^[A-Z]+ (\S+)/.exec(d.toString('latin1'))?.[1] ?? '/';
      const n = (seen.get(path) ?? 0) + 1;
      seen.set(path, n);
      const m = /^\/base\/(\d+)\/(fresh|stale)$/.exec(path);
      const shape = m ? SHAPES[Number(m[1])] : undefined;
      if (healthy || !shape) return void s.end(Buffer.concat([Buffer.from(ok(GOOD.length)), GOOD]));
      // A stale key's first answer is the copy the fault must not take away.
      if (m?.[2] === 'stale' && n === 1)
        return void s.end(Buffer.concat([Buffer.from(ok(OLD.length)), OLD]));
      shape[2](s, canaryPort, path);
    });
  });
  const canary = createServer((s) => {
    canaryHits++;
    s.destroy();
  });
  let canaryHits = 0;
  await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  const canaryPort = (canary.address() as { port: number }).port;
  const base = `http://127.0.0.1:${(raw.address() as { port: number }).port}/base/`;
  const trove = await startTrove(
    dir,
    `storage:\n  dir: ${dir}/cache\nupstream:\n  header_timeout: 1s\n  idle_timeout: 1s\n` +
      `instances:\n  imm:\n    type: file\n    upstreams: ['${base}']\n    default_policy: immutable\n    negative_ttl: 1ms\n` +
      `  rev:\n    type: file\n    upstreams: ['${base}']\n    fresh_for: 1ms\n    negative_ttl: 1ms\n`,
  );
  const failures: string[] = [];
  const judge = (name: string, expect: Expect, r: Fetched, stale: boolean): void => {
    const whole = r.complete && r.status === 200;
    const good = (b: Buffer): boolean => whole && r.sha256 === sha(b);
    let fine: boolean;
    if (expect === 'negative') fine = r.status === 404 || r.status === 410;
    else if (expect === 'decoded') fine = good(GOOD);
    else if (expect === 'as-sent') fine = r.status === 200;
    else if (stale) fine = good(OLD);
    else if (expect === 'passed') fine = r.status === 403;
    else fine = r.status >= 500 || (r.status === 200 && !r.complete) || r.status === 0;
    if (!fine)
      failures.push(
        `${name} (${stale ? 'stale copy' : 'no copy'}): status ${r.status}, complete ${r.complete}, ${r.bytes} bytes`,
      );
  };
  await Promise.all(
    SHAPES.map(async ([name, expect], i) => {
      await fetch(`${trove.url}/rev/${i}/stale`); // the copy
      await new Promise((r) => setTimeout(r, 5));
      judge(name, expect, await fetch(`${trove.url}/imm/${i}/fresh`, { timeoutMs: 15_000 }), false);
      judge(name, expect, await fetch(`${trove.url}/rev/${i}/stale`, { timeoutMs: 15_000 }), true);
    }),
  );
  healthy = true;
  await new Promise((r) => setTimeout(r, 10));
  let healed = 0;
  for (const [i, [name]] of SHAPES.entries()) {
    for (const key of [`imm/${i}/fresh`, `rev/${i}/stale`]) {
      const r = await fetch(`${trove.url}/${key}`);
      if (r.complete && r.status === 200 && r.sha256 === sha(GOOD)) healed++;
      else failures.push(`${name}: after healing ${key} gave status ${r.status}, ${r.bytes} bytes`);
    }
  }
  if (canaryHits) failures.push(`${canaryHits} connections reached the canary`);
  const crashed = trove.crashed();
  if (crashed) failures.push(`Trove ${crashed}`);
  await trove.stop();
  raw.close();
  canary.close();
  return {
    name: 'faults',
    ok: failures.length === 0,
    failures,
    line:
      `${SHAPES.length} fault shapes x (no copy, stale copy) = ${SHAPES.length * 2} cases, ` +
      `${SHAPES.length * 2 - failures.length} as expected; after healing ${fmt(healed)}/${SHAPES.length * 2} keys serve the good body; ` +
      `canary connections ${canaryHits}; crashes ${crashed ? 1 : 0}`,
  };
};
