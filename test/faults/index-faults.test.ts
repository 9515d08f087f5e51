// The index failing under a running Trove: a write lock held by another connection, damaged
// pages, a read-only index (injected: root ignores file modes), a full disk under index.db.
// Expected: nothing crashes, hits keep coming from what is known, misses are served whole
// (pass-through, or uncached) rather than cut, bookkeeping waits in a bounded backlog, /ready
// says what fails, and everything recovers when the fault goes.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { faultyIndex, type Faulty } from '../helpers/faulty-index.js';
import {
  managedUpstreams,
  stopAfterEach,
  until,
  type FakeUpstream,
} from '../helpers/fake-upstream.js';
import { metric, readyChecks } from '../helpers/metrics.js';
import { canMount, tmpfs } from '../helpers/mounts.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

const bodies = new Map<string, Buffer>();
for (let i = 0; i < 30; i++) bodies.set(`/f${i}`, randomBytes(1000 + i * 37));

async function filesUpstream(): Promise<FakeUpstream> {
  return upstream((u) => {
    for (const [path, body] of bodies) u.file(path, body);
    return u;
  });
}

const immutable = (up: FakeUpstream, over: Record<string, unknown> = {}) =>
  fileInstance(up.url, { default_policy: 'immutable', ...over });

function blobFiles(dir: string): string[] {
  const root = join(dir, 'blobs', 'sha256');
  return readdirSync(root, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => d.name);
}

describe('index faults', () => {
  it('a write lock held by another connection: hits go on, a miss is served whole, nothing is lost', async () => {
    const up = await filesUpstream();
    trove = await startTrove(immutable(up));
    const warm = bodies.get('/f0') as Buffer;
    expect((await get(`${trove.url}/files/f0`)).headers['x-cache']).toBe('MISS');

    const other = new Database(join(trove.dir, 'index.db'));
    other.pragma('busy_timeout = 0');
    other.exec('BEGIN IMMEDIATE');
    try {
      for (let i = 0; i < 5; i++) {
        const hit = await get(`${trove.url}/files/f0`);
        expect([hit.status, hit.headers['x-cache'], hit.body.equals(warm)]).toEqual([
          200,
          'HIT',
          true,
        ]);
      }
      const miss = await get(`${trove.url}/files/f1`);
      expect([miss.status, miss.complete, miss.body.equals(bodies.get('/f1') as Buffer)]).toEqual([
        200,
        true,
        true,
      ]);
      const metrics = await get(`${trove.url}/metrics`);
      expect(
        metric(metrics.body, 'trove_fills_uncommitted_total', { code: 'TROVE_ERR_INDEX' }),
      ).toBe(1);
      expect(
        metric(metrics.body, 'trove_index_errors_total', { code: 'SQLITE_BUSY' }),
      ).toBeGreaterThan(0);
      // Hit bookkeeping waits for the lock instead of failing the process.
      await until(async () => {
        const m = await get(`${trove?.url}/metrics`);
        return metric(m.body, 'trove_bookkeeping_backlog_keys') > 0;
      }, 10_000);
      const ready = await readyChecks(trove.url);
      expect(ready.status).toBe(503);
      expect(ready.checks['index_write']).toMatch(/SQLITE_BUSY|locked/);
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    // Nothing was cached while locked; now it is, and the backlog drains.
    expect((await get(`${trove.url}/files/f1`)).headers['x-cache']).toBe('MISS');
    expect((await get(`${trove.url}/files/f1`)).headers['x-cache']).toBe('HIT');
    await until(async () => {
      const m = await get(`${trove?.url}/metrics`);
      return metric(m.body, 'trove_bookkeeping_backlog_keys') === 0;
    }, 10_000);
    await until(async () => (await readyChecks(trove?.url ?? '')).status === 200, 20_000);
  });

  it('damaged pages in index.db: every request is still answered, by pass-through, and /ready says so', async () => {
    const up = await filesUpstream();
    trove = await startTrove(immutable(up), { keepDir: true });
    for (const path of bodies.keys()) await get(`${trove.url}/files${path}`);
    const dir = trove.dir;
    await trove.stop();

    const db = join(dir, 'index.db');
    const pageSize = 4096;
    const pages = Math.floor(statSync(db).size / pageSize);
    expect(pages).toBeGreaterThan(2);
    const fd = openSync(db, 'r+');
    for (let p = 1; p < pages; p++) writeSync(fd, randomBytes(pageSize), 0, pageSize, p * pageSize);
    closeSync(fd);

    trove = await startTrove(immutable(up), { dir });
    for (const [path, body] of bodies) {
      const r = await get(`${trove.url}/files${path}`);
      expect([r.status, r.complete, r.body.equals(body)], path).toEqual([200, true, true]);
      expect(r.headers['x-cache']).toBe('BYPASS');
    }
    const ready = await readyChecks(trove.url);
    expect(ready.status).toBe(503);
    expect(`${ready.checks['index_read']} ${ready.checks['index_recent_reads']}`).toMatch(
      /malformed|not a database|corrupt/i,
    );
    expect((await get(`${trove.url}/health`)).status).toBe(200);
  });

  describe('injected driver errors', () => {
    let faults: Faulty | undefined;
    const seams = {
      index: (driver: import('../../src/index/cache-index.js').CacheIndex) =>
        (faults = faultyIndex(driver)).index,
    };
    const WRITES = [
      'put',
      'createIfAbsent',
      'delete',
      'touch',
      'refresh',
      'dropDigest',
      'addCounters',
      'ping',
    ];

    it('a read-only index: misses are served whole and leave no blob behind; hits, 304s and 404s still answer', async () => {
      let etag = '"v1"';
      const up = await filesUpstream();
      up.route('/meta', (req, res) => {
        if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
        res.writeHead(200, { etag, 'content-length': 4 }).end('meta');
      });
      trove = await startTrove(
        immutable(up, { rules: [{ match: 'meta', policy: 'revalidate', fresh_for: '1ms' }] }),
        { seams },
      );
      await get(`${trove.url}/files/f0`);
      await get(`${trove.url}/files/meta`);
      const before = blobFiles(trove.dir);
      for (const op of WRITES) faults?.failing.set(op, 'SQLITE_READONLY');

      const hit = await get(`${trove.url}/files/f0`);
      expect([hit.status, hit.headers['x-cache']]).toEqual([200, 'HIT']);
      for (const path of ['/f1', '/f2', '/f3']) {
        const r = await get(`${trove.url}/files${path}`);
        expect([r.status, r.complete, r.body.equals(bodies.get(path) as Buffer)]).toEqual([
          200,
          true,
          true,
        ]);
      }
      expect(blobFiles(trove.dir)).toEqual(before);
      const reval = await get(`${trove.url}/files/meta`);
      expect([reval.status, reval.headers['x-cache'], reval.body.toString()]).toEqual([
        200,
        'REVALIDATED',
        'meta',
      ]);
      expect((await get(`${trove.url}/files/nope`)).status).toBe(404);
      const m = (await get(`${trove.url}/metrics`)).body;
      expect(metric(m, 'trove_fills_uncommitted_total', { code: 'TROVE_ERR_INDEX' })).toBe(5);
      expect(
        metric(m, 'trove_index_errors_total', {
          operation: 'createIfAbsent',
          code: 'SQLITE_READONLY',
        }),
      ).toBe(3);
      expect((await readyChecks(trove.url)).checks['index_write']).toContain('SQLITE_READONLY');

      faults?.failing.clear();
      etag = '"v2"';
      expect((await get(`${trove.url}/files/f1`)).headers['x-cache']).toBe('MISS');
      expect((await get(`${trove.url}/files/f1`)).headers['x-cache']).toBe('HIT');
    });

    it('an index that cannot be read at all: requests pass through, offline ones get TROVE_ERR_INDEX', async () => {
      const up = await filesUpstream();
      trove = await startTrove(immutable(up), { seams });
      faults?.failing.set('*', 'SQLITE_CORRUPT');
      const r = await get(`${trove.url}/files/f5`);
      expect([r.status, r.headers['x-cache'], r.body.equals(bodies.get('/f5') as Buffer)]).toEqual([
        200,
        'BYPASS',
        true,
      ]);
      await trove.stop();
      trove = await startTrove(immutable(up, { offline: true }), { seams });
      faults?.failing.set('*', 'SQLITE_CORRUPT');
      const off = await get(`${trove.url}/files/f5`);
      expect([off.status, off.headers['x-trove-error']]).toEqual([503, 'TROVE_ERR_INDEX']);
    });
  });

  describe.skipIf(!canMount)('a full disk under index.db', () => {
    it('misses are served uncached, hits go on, and caching resumes when space is back', async () => {
      const fs = tmpfs('2m');
      try {
        const up = await filesUpstream();
        trove = await startTrove({
          ...immutable(up),
          storage: { index: { driver: 'sqlite', path: join(fs.dir, 'index.db') } },
        });
        await get(`${trove.url}/files/f0`);
        const filler = join(fs.dir, 'filler');
        try {
          writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
        } catch {
          // ENOSPC: the filler took what was left, which is the point
        }
        for (const path of ['/f1', '/f2', '/f3', '/f4']) {
          const r = await get(`${trove.url}/files${path}`);
          expect([r.status, r.complete, r.body.equals(bodies.get(path) as Buffer)]).toEqual([
            200,
            true,
            true,
          ]);
        }
        expect((await get(`${trove.url}/files/f0`)).headers['x-cache']).toBe('HIT');
        const m = (await get(`${trove.url}/metrics`)).body;
        expect(
          metric(m, 'trove_fills_uncommitted_total', { code: 'TROVE_ERR_STORAGE_FULL' }),
        ).toBeGreaterThan(0);
        writeFileSync(filler, '');
        await get(`${trove.url}/files/f9`);
        expect((await get(`${trove.url}/files/f9`)).headers['x-cache']).toBe('HIT');
      } finally {
        await trove?.stop();
        trove = undefined;
        fs.release();
      }
    });
  });
});
