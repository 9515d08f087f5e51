// The guard every index driver sits behind, and the hit bookkeeping batcher: driver errors get
// Trove's codes, lock conflicts are retried with timers (so a lock released by a timer in this
// very process is seen), failures stay visible for /ready for a while, and bookkeeping survives
// an index that refuses writes, within a bounded backlog.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { AccessBatcher } from '../../src/engine/access-batcher.js';
import { TroveError } from '../../src/errors.js';
import { CachedIndex } from '../../src/index/cached-index.js';
import { GuardedIndex } from '../../src/index/guarded-index.js';
import { SqliteIndex } from '../../src/index/sqlite/sqlite-index.js';
import { entry, indexSuite } from '../../src/index/testsuites/index-suite.js';
import { faultyIndex } from '../helpers/faulty-index.js';

const path = (): string => join(mkdtempSync(join(tmpdir(), 'trove-guard-')), 'index.db');
indexSuite(
  'guarded(cached(sqlite))',
  async () => new GuardedIndex(new CachedIndex(new SqliteIndex(path()), { maxEntries: 2 })),
);

describe('GuardedIndex', () => {
  it('waits out a lock another connection holds, without holding the event loop', async () => {
    const p = path();
    const idx = new GuardedIndex(new SqliteIndex(p, { busyTimeoutMs: 5 }));
    await idx.put(entry('a'));
    const other = new Database(p);
    other.exec('BEGIN IMMEDIATE');
    // Only a free event loop runs this timer: a synchronous multi-second wait would not.
    setTimeout(() => other.exec('COMMIT'), 150);
    await idx.put(entry('b'));
    expect(await idx.get('b')).toBeDefined();
    other.close();
    await idx.close();
  });

  it('gives up after its retries with TROVE_ERR_INDEX naming the operation and code', async () => {
    const p = path();
    const errors: string[] = [];
    const idx = new GuardedIndex(new SqliteIndex(p, { busyTimeoutMs: 1 }), {
      retryDelays: [1, 1],
      onError: (op, code) => errors.push(`${op} ${code}`),
    });
    const other = new Database(p);
    other.exec('BEGIN IMMEDIATE');
    const err = await idx.put(entry('x')).catch((e: unknown) => e);
    other.exec('ROLLBACK');
    other.close();
    expect(err).toBeInstanceOf(TroveError);
    expect((err as TroveError).code).toBe('TROVE_ERR_INDEX');
    expect((err as TroveError).message).toMatch(/index put failed: .*\(SQLITE_BUSY\)/);
    expect(errors).toEqual(['put SQLITE_BUSY']);
    await idx.close();
  });

  it('maps a full disk to TROVE_ERR_STORAGE_FULL and keeps failures for /ready for a while', async () => {
    let now = 1000;
    const f = faultyIndex(new SqliteIndex(path()));
    const idx = new GuardedIndex(f.index, { now: () => now, window: 10_000 });
    f.failing.set('put', 'SQLITE_FULL');
    expect(await idx.put(entry('x')).catch((e: TroveError) => e.code)).toBe(
      'TROVE_ERR_STORAGE_FULL',
    );
    f.failing.set('get', 'SQLITE_CORRUPT');
    expect(await idx.get('x').catch((e: TroveError) => e.code)).toBe('TROVE_ERR_INDEX');
    expect(idx.health()).toEqual({
      read: expect.stringContaining('SQLITE_CORRUPT'),
      write: expect.stringContaining('SQLITE_FULL'),
    });
    now += 10_001;
    expect(idx.health()).toEqual({ read: null, write: null });
    await idx.close();
  });

  it('does not retry a walk over digests (a generator that threw is finished)', async () => {
    const f = faultyIndex(new SqliteIndex(path()));
    const idx = new GuardedIndex(f.index, { retryDelays: [1, 1, 1] });
    f.failing.set('digests', 'SQLITE_BUSY');
    const walk = async (): Promise<string[]> => {
      const out: string[] = [];
      for await (const d of idx.digests()) out.push(d);
      return out;
    };
    await expect(walk()).rejects.toThrow(/SQLITE_BUSY/);
  });
});

describe('AccessBatcher', () => {
  it('keeps a refused batch, never rejects, and writes it once the index accepts writes', async () => {
    const f = faultyIndex(new SqliteIndex(path()));
    await f.index.put(entry('a'));
    const errors: unknown[] = [];
    const b = new AccessBatcher(f.index, { intervalMs: 60_000, onError: (e) => errors.push(e) });
    f.failing.set('touch', 'SQLITE_READONLY');
    b.access('a', 5000, true);
    b.access('a', 6000, true);
    b.count('files', 'hit');
    await expect(b.flush()).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(b.backlog).toBe(1);
    b.access('a', 7000, true);
    f.failing.clear();
    await b.flush();
    expect(b.backlog).toBe(0);
    expect(await f.index.get('a')).toMatchObject({ hits: 3, lastAccess: 7000 });
    expect((await f.index.stats()).instances[0]?.requests).toEqual({ hit: 1 });
  });

  it('holds at most maxBacklog keys while the index refuses writes, and counts the rest', async () => {
    const f = faultyIndex(new SqliteIndex(path()));
    let dropped = 0;
    const b = new AccessBatcher(f.index, {
      intervalMs: 60_000,
      maxBacklog: 100,
      onDropped: (n) => (dropped += n),
    });
    f.failing.set('touch', 'SQLITE_FULL');
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 80; i++) b.access(`k${round}-${i}`, 1, true);
      await b.flush();
    }
    expect(b.backlog).toBe(100);
    expect(dropped).toBe(140);
  });

  it('writes in chunks with the event loop free between them; a failure keeps only the rest', async () => {
    const inner = new SqliteIndex(path());
    for (let i = 0; i < 1200; i++) await inner.put(entry(`k${i}`, { lastAccess: 0 }));
    let calls = 0;
    const index = new Proxy(inner, {
      get(target, name, receiver) {
        if (name !== 'touch') return Reflect.get(target, name, receiver);
        return async (chunk: Parameters<SqliteIndex['touch']>[0]) => {
          calls++;
          expect(chunk.length).toBeLessThanOrEqual(500);
          if (calls === 2) throw new Error('refused');
          return target.touch(chunk);
        };
      },
    });
    const b = new AccessBatcher(index, { intervalMs: 60_000 });
    for (let i = 0; i < 1200; i++) b.access(`k${i}`, 10, true);
    await b.flush();
    expect(b.backlog).toBe(700);
    // Work queued while the flush runs gets its turn after the first chunk, not after all.
    const flushed = b.flush();
    const seen = await new Promise<number>((r) => setImmediate(() => r(calls)));
    await flushed;
    expect(seen).toBe(3);
    expect(calls).toBe(4);
    expect(b.backlog).toBe(0);
    // Every key counted once: nothing written twice after the failure.
    const hits = await Promise.all(
      Array.from({ length: 1200 }, async (_, i) => (await inner.get(`k${i}`))?.hits),
    );
    expect(hits.every((h) => h === 1)).toBe(true);
  });
});
