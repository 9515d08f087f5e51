// A packument over 100 MB (the size of renovate's): filled once, checked and rewritten as a
// stream with bounded memory, then served from the cache like any file.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { managedUpstreams, stopAfterEach } from '../../helpers/fake-upstream.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

const VERSIONS = 12_000;
const PAD = 'x'.repeat(9_000);

/** The packument in pieces, never whole in memory; `base` is where its tarballs are. */
function* pieces(base: string): Generator<string> {
  yield '{"_id":"huge","name":"huge","dist-tags":{"latest":"1.0.0"},"versions":{';
  for (let i = 0; i < VERSIONS; i++) {
    const v = `1.0.${i}`;
    const dist = `{"integrity":"sha512-AAAA","shasum":"${'0'.repeat(40)}","tarball":"${base}/huge/-/huge-${v}.tgz"}`;
    yield `${i ? ',' : ''}"${v}":{"name":"huge","version":"${v}","description":"${PAD}","dist":${dist}}`;
  }
  yield '},"time":{"modified":"2025-01-01T00:00:00.000Z"}}';
}

/** Streams a response through a hash, keeping only its size and digest. */
function fetchDigest(
  url: string,
  accept?: string,
): Promise<{ size: number; sha: string; cache: string }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: accept ? { accept } : {} }, (res) => {
      const h = createHash('sha256');
      let size = 0;
      res.on('data', (c: Buffer) => {
        h.update(c);
        size += c.length;
      });
      res.on('end', () =>
        resolve({ size, sha: h.digest('hex'), cache: String(res.headers['x-cache']) }),
      );
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('a packument over 100 MB', () => {
  it('is filled once, rewritten with bounded memory and served whole', async () => {
    const u = await upstream((x) =>
      x.route('/huge', async (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        for (const p of pieces(x.url)) {
          if (!res.write(p)) await new Promise((r) => res.once('drain', r));
        }
        res.end();
      }),
    );
    trove = await startTrove({ instances: { npm: { type: 'npm', upstreams: [u.url] } } });
    const base = `${trove.url}/npm`;
    let upstreamSize = 0;
    const want = createHash('sha256');
    for (const p of pieces(`${base}`)) {
      upstreamSize += Buffer.byteLength(p);
      want.update(p);
    }
    expect(upstreamSize).toBeGreaterThan(100 * 1024 * 1024);

    let peak = 0;
    const start = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss - start);
    }, 20);
    try {
      const full = await fetchDigest(`${base}/huge`);
      // Byte-exact but for the tarball URLs, which now point at Trove.
      expect(full.size).toBe(upstreamSize);
      expect(full.sha).toBe(want.digest('hex'));
      const corgi = await fetchDigest(`${base}/huge`, 'application/vnd.npm.install-v1+json');
      // The install fields only: the padding is gone.
      expect(corgi.size).toBeLessThan(VERSIONS * 400);
      expect(corgi.size).toBeGreaterThan(VERSIONS * 100);
    } finally {
      clearInterval(sampler);
    }
    expect(u.count('/huge')).toBe(1);
    // Neither the fill nor the rewrite held the document (or a parse of it) in memory.
    expect(peak).toBeLessThan(96 * 1024 * 1024);
    const hit = await fetchDigest(`${base}/huge`);
    expect(hit.cache).toBe('HIT');
    expect(hit.size).toBe(upstreamSize);
  }, 120_000);
});
