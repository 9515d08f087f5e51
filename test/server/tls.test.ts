// server.tls: HTTPS with HTTP/2 and HTTP/1.1 on one port (ALPN), TLS 1.2 or later, client
// certificates, and a certificate swapped on disk while serving.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { startCluster } from '../helpers/cluster.js';
import { configProblems } from '../helpers/config-problems.js';
import { FakeUpstream, sleep, until } from '../helpers/fake-upstream.js';
import { metric } from '../helpers/metrics.js';
import { TestCa } from '../helpers/pki.js';
import { runCommand } from '../helpers/run.js';
import { h2get, servedSerial } from '../helpers/tls-client.js';
import { capturingLogger, fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const body = randomBytes(3 * 1024 * 1024 + 17);
const SLOW = randomBytes(1024 * 1024);

let up: FakeUpstream;
let ca: TestCa;

beforeAll(async () => {
  up = await new FakeUpstream()
    .file('/big.bin', body)
    .file('/small.txt', 'small\n')
    .route('/slow.bin', async (_req, res) => {
      // 1 MiB in 16 pieces over about 0.8 s: a download still running when shutdown starts.
      res.writeHead(200, { 'content-length': SLOW.length });
      for (let off = 0; off < SLOW.length && !res.destroyed; off += SLOW.length / 16) {
        res.write(SLOW.subarray(off, off + SLOW.length / 16));
        await sleep(50);
      }
      res.end();
    })
    .start();
  ca = new TestCa();
});

afterAll(async () => {
  await up.stop();
  ca.remove();
});

async function curl(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return runCommand('curl', ['-sS', '--cacert', ca.certFile, ...args], { timeoutMs: 30_000 });
}

async function secureTrove(
  tls: Record<string, unknown> = {},
  over: Record<string, unknown> = {},
): Promise<{ trove: TestTrove; files: { cert: string; key: string } }> {
  const files = ca.files(ca.server(), `server-${randomBytes(4).toString('hex')}`);
  const trove = await startTrove({
    ...fileInstance(up.url, over),
    server: { tls: { ...files, ...tls } },
  });
  return { trove, files };
}

describe('server.tls', () => {
  it('serves HTTP/2 and HTTP/1.1 on one port by ALPN, and refuses TLS below 1.2', async () => {
    const { trove } = await secureTrove();
    try {
      expect(trove.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const out = join(mkdtempSync(join(tmpdir(), 'trove-tls-')), 'big.bin');
      for (const [flag, version] of [
        ['--http2', '2'],
        ['--http1.1', '1.1'],
        ['--http2', '2'],
      ] as const) {
        const r = await curl(
          flag,
          '-o',
          out,
          '-w',
          '%{http_version} %{http_code}',
          `${trove.url}/files/big.bin`,
        );
        expect(r.code, r.err).toBe(0);
        expect(r.out).toBe(`${version} 200`);
        const sum = await runCommand('sha256sum', [out]);
        expect(sum.out.split(' ')[0]).toBe(sha(body));
      }
      const old = await curl('--tls-max', '1.1', '-o', '/dev/null', `${trove.url}/health`);
      expect(old.code).not.toBe(0);
      // The home page shows https set-up lines.
      const home = await curl('--http2', `${trove.url}/`);
      expect(home.out).toContain(`${trove.url}/files/`);
    } finally {
      await trove.stop();
    }
  });

  it('answers HTTP/2 requests as it answers HTTP/1.1 ones', async () => {
    const { trove } = await secureTrove();
    try {
      const tls = { ca: ca.cert };
      const url = `${trove.url}/files/small.txt`;
      const miss = await h2get(url, tls);
      expect(miss.status).toBe(200);
      expect(miss.body.toString()).toBe('small\n');
      expect(miss.headers['x-cache']).toBe('MISS');
      const hit = await h2get(url, tls);
      expect(hit.headers['x-cache']).toBe('HIT');
      const etag = String(hit.headers['etag']);
      expect((await h2get(url, tls, { 'if-none-match': etag })).status).toBe(304);
      const range = await h2get(`${trove.url}/files/big.bin`, tls, { range: 'bytes=10-19' });
      expect(range.status).toBe(206);
      expect(range.body.equals(body.subarray(10, 20))).toBe(true);
      const bad = await h2get(`${trove.url}/files/a%5cb`, tls);
      expect(bad.status).toBe(400);
      expect(bad.headers['x-trove-error']).toBe('TROVE_ERR_BAD_PATH');
      // A Host header that names another authority than :authority is refused (RFC 9113 §8.3.1).
      const authority = new URL(trove.url).host;
      const conflict = await h2get(url, tls, {
        ':authority': authority,
        host: 'elsewhere.example',
      });
      expect(conflict.status).toBe(400);
      const agreeing = await h2get(url, tls, { ':authority': authority, host: authority });
      expect(agreeing.status).toBe(200);
      // The same request over HTTP/1.1 gets the same bytes.
      const h1 = await get(url, { ca: ca.cert });
      expect(h1.body.toString()).toBe('small\n');
    } finally {
      await trove.stop();
    }
  });

  it('lets an HTTP/2 download in flight finish when it shuts down', async () => {
    const { trove } = await secureTrove();
    const download = h2get(`${trove.url}/files/slow.bin`, { ca: ca.cert });
    await sleep(200);
    const stopped = trove.stop();
    const got = await download;
    await stopped;
    expect(got.status).toBe(200);
    expect(sha(got.body)).toBe(sha(SLOW));
  });

  it('serves a certificate swapped on disk, and keeps the old one through a half-written swap', async () => {
    const files = ca.files(ca.server(), 'swapped');
    const first = await servedSerialOf(files);
    const { log, lines } = capturingLogger();
    const trove = await startTrove({ ...fileInstance(up.url), server: { tls: files } }, { log });
    try {
      const tls = { ca: ca.cert };
      expect(await servedSerial(trove.url, tls)).toBe(first);
      const next = ca.server();
      // The certificate first, alone: it does not match the key on disk yet.
      writeFileSync(files.cert, next.cert);
      await until(
        () => lines.some((l) => String(l['msg']).includes('previous certificate')),
        10_000,
      );
      expect(await servedSerial(trove.url, tls)).toBe(first);
      expect((await get(`${trove.url}/files/small.txt`, tls)).status).toBe(200);
      // Then its key: the new pair serves, without a restart.
      writeFileSync(files.key, next.key);
      await until(async () => (await servedSerial(trove.url, tls)) === next.serial, 10_000);
      expect(lines.some((l) => String(l['msg']).startsWith('TLS certificate reloaded'))).toBe(true);
      expect((await get(`${trove.url}/files/small.txt`, tls)).status).toBe(200);
      const metrics = await get(`${trove.url}/metrics`, tls);
      const expiry = metric(metrics.body, 'trove_tls_certificate_expiry_timestamp_seconds');
      expect(expiry * 1000).toBeGreaterThan(Date.now());
    } finally {
      await trove.stop();
    }
  });

  it('requires client certificates signed by server.tls.ca', async () => {
    const { trove } = await secureTrove({ ca: ca.certFile });
    const stranger = new TestCa('Stranger CA');
    try {
      const mine = ca.files(ca.client('ci-runner'), 'client');
      const theirs = stranger.files(stranger.client('intruder'), 'client');
      const url = `${trove.url}/files/small.txt`;
      const ok = await curl('--http2', '--cert', mine.cert, '--key', mine.key, url);
      expect(ok.code, ok.err).toBe(0);
      expect(ok.out).toBe('small\n');
      const none = await curl('--http2', url);
      expect(none.code).not.toBe(0);
      const wrong = await curl('--http2', '--cert', theirs.cert, '--key', theirs.key, url);
      expect(wrong.code).not.toBe(0);
    } finally {
      stranger.remove();
      await trove.stop();
    }
  });

  it('lets clients without a certificate in when client_certs is optional', async () => {
    const { trove } = await secureTrove({ ca: ca.certFile, client_certs: 'optional' });
    try {
      const r = await curl('--http2', `${trove.url}/files/small.txt`);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe('small\n');
    } finally {
      await trove.stop();
    }
  });

  it('serves TLS on an instance bind listener too', async () => {
    const { trove } = await secureTrove({}, { bind: '127.0.0.1:0' });
    try {
      const port = trove.app.listeners[1]?.address().port;
      const r = await curl(
        '--http2',
        '-w',
        ' %{http_version}',
        `https://127.0.0.1:${port}/small.txt`,
      );
      expect(r.code, r.err).toBe(0);
      expect(r.out).toBe('small\n 2');
    } finally {
      await trove.stop();
    }
  });

  it('serves HTTPS from every worker process', async () => {
    const files = ca.files(ca.server(), 'cluster');
    const dir = mkdtempSync(join(tmpdir(), 'trove-tls-cluster-'));
    const cluster = await startCluster(
      dir,
      `storage:\n  dir: ${join(dir, 'cache')}\ninstances:\n  files: { type: file, upstreams: ["${up.url}"] }\n`,
      2,
      { ...files, ca: ca.cert },
    );
    try {
      for (let i = 0; i < 4; i++) {
        const r = await curl('--http2', '-w', ' %{http_version}', `${cluster.url}/files/small.txt`);
        expect(r.code, r.err).toBe(0);
        expect(r.out).toBe('small\n 2');
      }
    } finally {
      expect(await cluster.stop()).toBe(0);
    }
  });
});

async function servedSerialOf(files: { cert: string }): Promise<string> {
  const r = await runCommand('openssl', ['x509', '-noout', '-serial', '-in', files.cert]);
  return r.out
    .trim()
    .replace(/^serial=/, '')
    .toUpperCase();
}

describe('server.tls configuration errors', () => {
  it('names the key and the file', () => {
    const a = ca.files(ca.server(), 'pair-a');
    const b = ca.files(ca.server(), 'pair-b');
    const junk = join(ca.dir, 'junk.pem');
    writeFileSync(junk, 'not a certificate\n');
    const server = (tls: string): string => `server:\n  tls: ${tls}\n`;
    expect(configProblems(server(`{ cert: ${a.cert}, key: ${b.key} }`))).toEqual([
      `FILE: server.tls.key: ${b.key} does not match the certificate in server.tls.cert`,
    ]);
    expect(configProblems(server(`{ cert: ${junk}, key: ${a.key} }`))).toEqual([
      `FILE: server.tls.cert: ${junk} is not a PEM certificate`,
    ]);
    expect(configProblems(server(`{ cert: ${a.cert}, key: /nonexistent/key.pem }`))).toEqual([
      'FILE: server.tls.key: cannot read /nonexistent/key.pem (ENOENT)',
    ]);
    expect(
      configProblems(server(`{ cert: ${a.cert}, key: ${a.key}, client_certs: required }`)),
    ).toEqual([
      'FILE: server.tls.client_certs: needs server.tls.ca (the CA of client certificates)',
    ]);
    expect(
      configProblems(server(`{ cert: ${a.cert}, key: ${a.key}, min_version: TLSv1.1 }`)),
    ).toHaveLength(1);
    expect(configProblems(server(`{ cert: ${a.cert}, key: ${a.key} }`))).toEqual([]);
    expect(configProblems('', { TROVE_TLS_CERT: a.cert, TROVE_TLS_KEY: a.key })).toEqual([]);
    expect(configProblems('', { TROVE_TLS_CERT: a.cert })).toEqual([
      'FILE: server.tls.key: is required',
    ]);
  });
});
