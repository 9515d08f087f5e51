// Damaged blobs on disk: a flipped byte, swapped files, a truncated file. A hit never passes a
// damaged blob off as good: a size mismatch is refetched before any header goes out, a content
// mismatch is cut before the body's end; every entry naming the blob is dropped and counted,
// and the next request refetches. The background scrub and `trove verify` find damage nobody
// asked for.
import { randomBytes, createHash } from 'node:crypto';
import { readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import {
  managedUpstreams,
  stopAfterEach,
  until,
  type FakeUpstream,
} from '../helpers/fake-upstream.js';
import { metric } from '../helpers/metrics.js';
import { runCommand } from '../helpers/run.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

const objects: Record<string, Buffer> = {
  small1: randomBytes(1500),
  small2: randomBytes(40_000),
  large1: randomBytes(300_000),
  large2: randomBytes(300_000),
  large3: randomBytes(2_500_000),
  other: randomBytes(180_000),
};
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const blobPath = (dir: string, body: Buffer): string => {
  const d = sha(body);
  return join(dir, 'blobs', 'sha256', d.slice(0, 2), d.slice(2, 4), d);
};

async function filled(
  over: Record<string, unknown> = {},
): Promise<{ up: FakeUpstream; dir: string }> {
  const up = await upstream((u) => {
    for (const [name, body] of Object.entries(objects)) u.file(`/${name}`, body);
    return u;
  });
  trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable', ...over }), {
    keepDir: true,
  });
  for (const name of Object.keys(objects)) await get(`${trove.url}/files/${name}`);
  const dir = trove.dir;
  await trove.stop();
  return { up, dir };
}

/** Restarts on the same directory, so nothing is in the memory cache. */
async function restart(up: FakeUpstream, dir: string, storage: Record<string, unknown> = {}) {
  trove = await startTrove(
    { ...fileInstance(up.url, { default_policy: 'immutable' }), storage },
    { dir },
  );
  return trove;
}

describe('damaged blobs', () => {
  it('a flipped byte in every blob: each hit is cut before its end, dropped, and refetched next time', async () => {
    const { up, dir } = await filled();
    for (const body of Object.values(objects)) {
      const path = blobPath(dir, body);
      const bytes = readFileSync(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = (bytes[at] as number) ^ 0x40;
      writeFileSync(path, bytes);
    }
    const t = await restart(up, dir);
    for (const [name, body] of Object.entries(objects)) {
      const bad = await get(`${t.url}/files/${name}`);
      if (body.length <= 64 * 1024) {
        // Whole in the first read: caught before the status line, and refetched at once.
        expect([bad.status, bad.complete, bad.headers['x-cache']], name).toEqual([
          200,
          true,
          'MISS',
        ]);
        expect(bad.body.equals(body)).toBe(true);
        continue;
      }
      expect([bad.status, bad.complete], name).toEqual([200, false]);
      expect(bad.body.length).toBeLessThan(body.length);
      const good = await get(`${t.url}/files/${name}`);
      expect([good.status, good.complete, good.headers['x-cache']], name).toEqual([
        200,
        true,
        'MISS',
      ]);
      expect(good.body.equals(body)).toBe(true);
      expect((await get(`${t.url}/files/${name}`)).headers['x-cache']).toBe('HIT');
    }
    const m = (await get(`${t.url}/metrics`)).body;
    expect(metric(m, 'trove_corrupt_blobs_total', { found_by: 'hit' })).toBe(6);
    expect(up.count('/large1')).toBe(2);
  });

  it('swapped blobs: equal sizes are cut; different sizes are refetched before the answer starts', async () => {
    const { up, dir } = await filled();
    const swap = (a: Buffer, b: Buffer): void => {
      const pa = blobPath(dir, a);
      const pb = blobPath(dir, b);
      renameSync(pa, `${pa}.x`);
      renameSync(pb, pa);
      renameSync(`${pa}.x`, pb);
    };
    swap(objects['large1'] as Buffer, objects['large2'] as Buffer);
    swap(objects['other'] as Buffer, objects['large3'] as Buffer);
    const t = await restart(up, dir);
    for (const name of ['large1', 'large2']) {
      const r = await get(`${t.url}/files/${name}`);
      expect([r.status, r.complete], name).toEqual([200, false]);
    }
    for (const name of ['other', 'large3']) {
      const r = await get(`${t.url}/files/${name}`);
      expect([r.status, r.complete, r.headers['x-cache']], name).toEqual([200, true, 'MISS']);
      expect(r.body.equals(objects[name] as Buffer)).toBe(true);
    }
    for (const [name, body] of Object.entries(objects)) {
      const r = await get(`${t.url}/files/${name}`);
      expect([r.complete, r.body.equals(body)], name).toEqual([true, true]);
    }
  });

  it('a truncated blob is refetched before any header, for GET, Range and HEAD alike', async () => {
    const { up, dir } = await filled();
    for (const name of ['large1', 'large2', 'large3', 'other']) {
      const body = objects[name] as Buffer;
      truncateSync(blobPath(dir, body), Math.floor(body.length / 2));
    }
    const t = await restart(up, dir);
    const full = await get(`${t.url}/files/large1`);
    expect([full.status, full.complete, full.headers['x-cache']]).toEqual([200, true, 'MISS']);
    expect(full.body.equals(objects['large1'] as Buffer)).toBe(true);
    const large2 = objects['large2'] as Buffer;
    const range = await get(`${t.url}/files/large2`, { headers: { range: 'bytes=200000-' } });
    expect([range.status, range.headers['content-range']]).toEqual([
      206,
      `bytes 200000-299999/300000`,
    ]);
    expect(range.body.equals(large2.subarray(200000))).toBe(true);
    const head = await get(`${t.url}/files/large3`, { method: 'HEAD' });
    expect([head.status, head.headers['content-length']]).toEqual([200, '2500000']);
    expect((await get(`${t.url}/files/large3`)).body.equals(objects['large3'] as Buffer)).toBe(
      true,
    );
  });

  it('a blob changed on disk after its first verified hit is hashed again on the next', async () => {
    const { up, dir } = await filled();
    const t = await restart(up, dir);
    const body = objects['large3'] as Buffer;
    expect((await get(`${t.url}/files/large3`)).body.equals(body)).toBe(true);
    const path = blobPath(dir, body);
    const bytes = readFileSync(path);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 1;
    writeFileSync(path, bytes);
    const bad = await get(`${t.url}/files/large3`);
    expect([bad.status, bad.complete]).toEqual([200, false]);
    const good = await get(`${t.url}/files/large3`);
    expect([good.complete, good.headers['x-cache'], good.body.equals(body)]).toEqual([
      true,
      'MISS',
      true,
    ]);
  });

  it('the background scrub finds a damaged blob nobody asked for, at a bounded rate', async () => {
    const { up, dir } = await filled();
    const t = await restart(up, dir, { scrub: { interval: '300ms', rate: '64MiB' } });
    const path = blobPath(dir, objects['large3'] as Buffer);
    const bytes = readFileSync(path);
    bytes[10] = (bytes[10] as number) ^ 1;
    writeFileSync(path, bytes);
    await until(async () => {
      const m = (await get(`${t.url}/metrics`)).body;
      return metric(m, 'trove_corrupt_blobs_total', { found_by: 'scrub' }) === 1;
    }, 15_000);
    const r = await get(`${t.url}/files/large3`);
    expect([r.complete, r.headers['x-cache'], r.body.equals(objects['large3'] as Buffer)]).toEqual([
      true,
      'MISS',
      true,
    ]);
    const m = (await get(`${t.url}/metrics`)).body;
    expect(metric(m, 'trove_scrub_bytes_total')).toBeGreaterThan(3_000_000);
  });

  it('trove verify reports damage and exits 1; --repair drops it so it refetches', async () => {
    const { up, dir } = await filled();
    const damaged = objects['large2'] as Buffer;
    const path = blobPath(dir, damaged);
    writeFileSync(path, Buffer.concat([readFileSync(path).subarray(0, 1000), Buffer.from('x')]));
    const main = join(process.cwd(), 'dist', 'cli', 'main.js');
    const verify = (...extra: string[]) =>
      runCommand(process.execPath, [main, 'verify', '--cache', dir, ...extra], {
        timeoutMs: 30_000,
      });
    const first = await verify();
    expect(first.code).toBe(1);
    expect(first.out).toContain('index: ok');
    expect(first.out).toContain(`blob ${sha(damaged)}: sha256 is`);
    expect(first.out).toContain('checked 6 blobs');
    expect(first.out).toContain('1 damaged, 0 missing');
    expect((await verify('--repair')).code).toBe(1);
    const after = await verify();
    expect([after.code, after.out]).toEqual([0, expect.stringContaining('checked 5 blobs')]);
    const t = await restart(up, dir);
    const r = await get(`${t.url}/files/large2`);
    expect([r.headers['x-cache'], r.body.equals(damaged)]).toEqual(['MISS', true]);
  });
});
