// Serving cached objects: Range, conditional requests, HEAD, memory hits, and LRU eviction.
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream, sleep, until, stopAfterEach } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

/** The parts of a multipart/byteranges body. */
function byteranges(
  type: string | undefined,
  body: Buffer,
): Array<{ range: string; body: Buffer }> {
  const boundary = /boundary=(\S+)/.exec(type ?? '')?.[1];
  if (!boundary) throw new Error(`not multipart: ${type}`);
  const out: Array<{ range: string; body: Buffer }> = [];
  const sep = Buffer.from(`\r\n--${boundary}`);
  let at = body.indexOf(sep);
  while (at !== -1) {
    const headEnd = body.indexOf('\r\n\r\n', at);
    const next = body.indexOf(sep, at + sep.length);
    if (next === -1 || headEnd === -1 || headEnd > next) break;
    const head = body.subarray(at + sep.length, headEnd).toString();
    out.push({
      range: /content-range: (.+)/i.exec(head)?.[1]?.trim() ?? '',
      body: body.subarray(headEnd + 4, next),
    });
    at = next;
  }
  return out;
}

let up: FakeUpstream | undefined;
let trove: TestTrove | undefined;
stopAfterEach(() => [trove, up]);

const big = randomBytes(300 * 1024);
const small = Buffer.from('small and hot\n');

async function warm(): Promise<TestTrove> {
  up = await new FakeUpstream()
    .file('/big', big, { etag: '"big-1"', 'last-modified': 'Tue, 01 Sep 2026 10:00:00 GMT' })
    .file('/small', small)
    .start();
  const t = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }));
  await get(`${t.url}/files/big`);
  await get(`${t.url}/files/small`);
  return t;
}

describe('hits', () => {
  it('serves single byte ranges, suffix ranges and 416', async () => {
    trove = await warm();
    const r = await get(`${trove.url}/files/big`, { headers: { range: 'bytes=100-199' } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 100-199/${big.length}`);
    expect(r.body.equals(big.subarray(100, 200))).toBe(true);
    const suffix = await get(`${trove.url}/files/big`, { headers: { range: 'bytes=-10' } });
    expect(suffix.body.equals(big.subarray(big.length - 10))).toBe(true);
    const open = await get(`${trove.url}/files/big`, {
      headers: { range: `bytes=${big.length - 5}-` },
    });
    expect(open.body.equals(big.subarray(big.length - 5))).toBe(true);
    const bad = await get(`${trove.url}/files/big`, { headers: { range: `bytes=${big.length}-` } });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${big.length}`);
    const memRange = await get(`${trove.url}/files/small`, { headers: { range: 'bytes=0-4' } });
    expect(memRange.body.toString()).toBe('small');
  });

  it('answers several ranges as multipart/byteranges, merged, from disk and from memory', async () => {
    trove = await warm();
    const r = await get(`${trove.url}/files/big`, {
      headers: { range: 'bytes=0-9, 1000-1999, 1500-2499, -16' },
    });
    expect(r.status).toBe(206);
    const parts = byteranges(r.headers['content-type'], r.body);
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(parts.map((p) => p.range)).toEqual([
      `bytes 0-9/${big.length}`,
      `bytes 1000-2499/${big.length}`,
      `bytes ${big.length - 16}-${big.length - 1}/${big.length}`,
    ]);
    expect(parts[1]?.body.equals(big.subarray(1000, 2500))).toBe(true);
    expect(parts[2]?.body.equals(big.subarray(big.length - 16))).toBe(true);
    // Overlapping ranges that merge into one are a plain 206.
    const one = await get(`${trove.url}/files/big`, { headers: { range: 'bytes=0-9,5-19' } });
    expect(one.headers['content-range']).toBe(`bytes 0-19/${big.length}`);
    const mem = await get(`${trove.url}/files/small`, { headers: { range: 'bytes=0-4,6-8' } });
    expect(byteranges(mem.headers['content-type'], mem.body).map((p) => p.body.toString())).toEqual(
      ['small', 'and'],
    );
    // Past the limit, the whole body.
    const many = Array.from({ length: 1001 }, (_, i) => `${i * 2}-${i * 2}`).join(',');
    const all = await get(`${trove.url}/files/big`, { headers: { range: `bytes=${many}` } });
    expect(all.status).toBe(200);
    expect(all.body.equals(big)).toBe(true);
  });

  it('honours If-None-Match, If-Modified-Since and If-Range', async () => {
    trove = await warm();
    const inm = await get(`${trove.url}/files/big`, {
      headers: { 'if-none-match': '"other", "big-1"' },
    });
    expect(inm.status).toBe(304);
    expect(inm.body.length).toBe(0);
    const ims = await get(`${trove.url}/files/big`, {
      headers: { 'if-modified-since': 'Wed, 02 Sep 2026 10:00:00 GMT' },
    });
    expect(ims.status).toBe(304);
    const older = await get(`${trove.url}/files/big`, {
      headers: { 'if-modified-since': 'Mon, 31 Aug 2026 10:00:00 GMT' },
    });
    expect(older.status).toBe(200);
    const stale = await get(`${trove.url}/files/big`, {
      headers: { range: 'bytes=0-9', 'if-range': '"old"' },
    });
    expect(stale.status).toBe(200);
    expect(stale.body.length).toBe(big.length);
    const current = await get(`${trove.url}/files/big`, {
      headers: { range: 'bytes=0-9', 'if-range': '"big-1"' },
    });
    expect(current.status).toBe(206);
    // Objects without an upstream ETag get one from their digest.
    const s = await get(`${trove.url}/files/small`);
    expect(s.headers['etag']).toMatch(/^"sha256-[0-9a-f]{32}"$/);
    expect(
      (
        await get(`${trove.url}/files/small`, {
          headers: { 'if-none-match': s.headers['etag'] as string },
        })
      ).status,
    ).toBe(304);
  });

  it('answers HEAD with headers only', async () => {
    trove = await warm();
    const h = await get(`${trove.url}/files/big`, { method: 'HEAD' });
    expect(h.status).toBe(200);
    expect(h.headers['content-length']).toBe(String(big.length));
    expect(h.headers['x-cache']).toBe('HIT');
    expect(h.body.length).toBe(0);
  });

  it('a range request on a cold object is served from the fill', async () => {
    up = await new FakeUpstream().file('/big', big).start();
    trove = await startTrove(fileInstance(up.url));
    const r = await get(`${trove.url}/files/big`, { headers: { range: 'bytes=1000-1999' } });
    expect(r.status).toBe(206);
    expect(r.body.equals(big.subarray(1000, 2000))).toBe(true);
    const base = trove.url;
    await until(
      async () => (await get(`${base}/files/big`, { method: 'HEAD' })).headers['x-cache'] === 'HIT',
    );
    expect(up.count('/big')).toBe(1);
  });

  it('refetches when a blob vanished from disk', async () => {
    const t = await warm();
    trove = t;
    const { rm } = await import('node:fs/promises');
    await rm(`${t.dir}/blobs`, { recursive: true, force: true });
    const r = await get(`${t.url}/files/big`);
    expect(r.status).toBe(200);
    expect(r.body.equals(big)).toBe(true);
    expect(up?.count('/big')).toBe(2);
  });
});

/** How many blobs the store holds on disk. */
async function blobCount(dir: string): Promise<number> {
  let n = 0;
  for (const a of await readdir(`${dir}/blobs/sha256`))
    for (const b of await readdir(`${dir}/blobs/sha256/${a}`))
      n += (await readdir(`${dir}/blobs/sha256/${a}/${b}`)).length;
  return n;
}

const evicted = async (url: string): Promise<boolean> =>
  /trove_evictions_total\{reason="max_size"\} [1-9]/.test(
    (await get(`${url}/metrics`)).body.toString(),
  );

describe('LRU eviction under max_size', () => {
  it('keeps the store within max_size, evicting the least recently used first', async () => {
    const files = Array.from({ length: 6 }, (_, i) => randomBytes(100_000 + i));
    const u = new FakeUpstream();
    files.forEach((f, i) => u.file(`/f${i}`, f));
    up = await u.start();
    trove = await startTrove({
      ...fileInstance(up.url, { default_policy: 'immutable' }),
      storage: { max_size: 350_000, memory: { max_bytes: 0 } },
    });
    for (let i = 0; i < 3; i++) await get(`${trove.url}/files/f${i}`);
    await sleep(5);
    await get(`${trove.url}/files/f0`); // f0 is now more recent than f1
    await trove.app.engine.access.flush();
    await get(`${trove.url}/files/f3`);
    const base = trove.url;
    await until(() => evicted(base));
    expect(await blobCount(trove.dir)).toBe(3);
    // f1 was least recently used: it refetches; f0 and f3 are hits.
    expect((await get(`${trove.url}/files/f0`)).headers['x-cache']).toBe('HIT');
    expect((await get(`${trove.url}/files/f3`)).headers['x-cache']).toBe('HIT');
    expect((await get(`${trove.url}/files/f1`)).headers['x-cache']).toBe('MISS');
  });

  it('deletes a body replaced upstream right after the commit, with no grace period', async () => {
    up = await new FakeUpstream().file('/m', 'first body\n').file('/other', 'other\n').start();
    const t = await startTrove(
      fileInstance(up.url, { default_policy: 'revalidate', fresh_for: '50ms' }),
    );
    trove = t;
    await get(`${t.url}/files/m`);
    await get(`${t.url}/files/other`);
    expect(await blobCount(t.dir)).toBe(2);
    up.file('/m', 'second body\n');
    await sleep(80);
    expect((await get(`${t.url}/files/m`)).body.toString()).toBe('second body\n');
    // The first body had no other entry: it is gone, the other object's blob stays.
    expect(await blobCount(t.dir)).toBe(2);
  });

  it('with delete_grace, an evicted blob stays on the store until the grace has passed', async () => {
    const files = [randomBytes(100_000), randomBytes(100_001)] as const;
    up = await new FakeUpstream().file('/f0', files[0]).file('/f1', files[1]).start();
    const t = await startTrove({
      ...fileInstance(up.url, { default_policy: 'immutable' }),
      storage: { max_size: 150_000, delete_grace: '2s', memory: { max_bytes: 0 } },
    });
    trove = t;
    await get(`${t.url}/files/f0`);
    await get(`${t.url}/files/f1`);
    await until(() => evicted(t.url));
    // The entry of f0 is gone, its bytes are not: a replica may still be streaming them.
    expect(await blobCount(t.dir)).toBe(2);
    expect(await t.app.engine.evictor.reaper.reap()).toEqual({ deleted: 0, bytes: 0 });
    await until(async () => (await t.app.engine.evictor.reaper.reap()).deleted === 1, 10_000);
    expect(await blobCount(t.dir)).toBe(1);
    expect((await get(`${t.url}/files/f1`)).headers['x-cache']).toBe('HIT');
  });

  it('expire_after drops entries not accessed for that long', async () => {
    up = await new FakeUpstream().file('/x', 'x').start();
    const t = await startTrove(
      fileInstance(up.url, { default_policy: 'immutable', expire_after: '100ms' }),
    );
    trove = t;
    await get(`${t.url}/files/x`);
    await t.app.engine.access.flush();
    await sleep(150);
    expect(await t.app.engine.evictor.expire(Date.now())).toBe(1);
    expect((await get(`${t.url}/files/x`)).headers['x-cache']).toBe('MISS');
  });
});
