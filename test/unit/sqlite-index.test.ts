import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CachedIndex } from '../../src/index/cached-index.js';
import { SqliteIndex } from '../../src/index/sqlite/sqlite-index.js';
import { entry, indexSuite } from '../../src/index/testsuites/index-suite.js';

const fresh = (): SqliteIndex =>
  new SqliteIndex(join(mkdtempSync(join(tmpdir(), 'trove-idx-')), 'index.db'));
indexSuite('sqlite', async () => fresh());
// The read-through cache must behave exactly like the driver it wraps (tiny, to force churn).
indexSuite('cached(sqlite)', async () => new CachedIndex(fresh(), { maxEntries: 2 }));

describe('SqliteIndex specifics', () => {
  it('persists across reopen', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'trove-idx-')), 'index.db');
    const a = new SqliteIndex(path);
    await a.put(entry('k', { size: 42 }));
    await a.close();
    const b = new SqliteIndex(path);
    expect(await b.get('k')).toMatchObject({ size: 42 });
    expect(await b.totalBytes()).toBe(42);
    await b.close();
  });
});

describe('SqliteIndex digests()', () => {
  it('pages through many digests while other statements run between pages', async () => {
    const idx = fresh();
    const hex = (i: number): string => i.toString(16).padStart(64, '0');
    for (let i = 0; i < 1200; i++) await idx.put(entry(`k${i}`, { digest: hex(i), size: 1 }));
    const seen: string[] = [];
    for await (const d of idx.digests()) {
      seen.push(d);
      await idx.get(`k${seen.length}`); // would throw "connection is busy" with an open cursor
    }
    expect(seen).toHaveLength(1200);
    expect(new Set(seen).size).toBe(1200);
    await idx.close();
  });
});
