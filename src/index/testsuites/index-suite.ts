// The Index conformance suite: every driver runs it (see test/unit/sqlite-index.test.ts).
import { describe, expect, it } from 'vitest';
import type { CacheIndex, IndexEntry } from '../cache-index.js';
import { doomedSuite } from './doomed-suite.js';

/** A digest made of one repeated character. */
export const d = (c: string): string => c.repeat(64);

export function entry(key: string, over: Partial<IndexEntry> = {}): IndexEntry {
  return {
    key,
    instance: 'files',
    status: 'ok',
    digest: d('a'),
    size: 100,
    upstreamStatus: 200,
    headers: { 'content-type': 'text/plain' },
    fetchedAt: 1000,
    etag: '"v1"',
    lastModified: null,
    lastAccess: 1000,
    hits: 0,
    expireAfter: null,
    ...over,
  };
}

export function indexSuite(name: string, create: () => Promise<CacheIndex>): void {
  describe(`Index conformance: ${name}`, () => {
    it('stores, reads and replaces entries', async () => {
      const idx = await create();
      expect(await idx.get('k')).toBeUndefined();
      await idx.put(entry('k'));
      expect(await idx.get('k')).toEqual(entry('k'));
      await idx.put(entry('k', { digest: d('b'), size: 7, etag: null }));
      expect(await idx.get('k')).toMatchObject({ digest: d('b'), size: 7, etag: null });
      await idx.close();
    });

    it('finds an ok entry by digest under a key prefix, never a negative or another prefix', async () => {
      const idx = await create();
      await idx.put(entry('oci/reg/team/app/manifests/v1#x', { digest: d('1') }));
      await idx.put(entry('oci/reg/team/other/manifests/v1#x', { digest: d('2') }));
      await idx.put(entry('oci/reg/team/app/manifests/gone', { status: 'negative', digest: null }));
      expect((await idx.withDigest(d('1'), 'oci/reg/team/app/'))?.key).toBe(
        'oci/reg/team/app/manifests/v1#x',
      );
      expect(await idx.withDigest(d('2'), 'oci/reg/team/app/')).toBeUndefined();
      expect(await idx.withDigest(d('3'), 'oci/')).toBeUndefined();
      // A prefix is matched literally: % and _ are not wildcards.
      expect(await idx.withDigest(d('1'), 'oci/reg/team/%')).toBeUndefined();
      expect(await idx.withDigest(d('1'), 'oci_reg/')).toBeUndefined();
      await idx.close();
    });

    it('pages the entries under a key prefix in key order, never past the prefix', async () => {
      const idx = await create();
      const keys = [
        'go/a/@v/v1.zip',
        'go/a/@v/v2.zip',
        'go/b/@v/v1.zip',
        'go0',
        'gp/x',
        'g/y',
        'go/\u00e9t\u00e9',
      ];
      for (const [i, k] of keys.entries()) await idx.put(entry(k, { digest: d(String(i)) }));
      const page = async (prefix: string, after: string, limit: number) =>
        (await idx.entriesPage(prefix, after, limit)).map((e) => e.key);
      expect(await page('go/', '', 2)).toEqual(['go/a/@v/v1.zip', 'go/a/@v/v2.zip']);
      expect(await page('go/', 'go/a/@v/v2.zip', 2)).toEqual([
        'go/b/@v/v1.zip',
        'go/\u00e9t\u00e9',
      ]);
      expect(await page('go/', 'go/\u00e9t\u00e9', 2)).toEqual([]);
      expect(await page('go/a/', '', 10)).toEqual(['go/a/@v/v1.zip', 'go/a/@v/v2.zip']);
      expect(await page('', '', 3)).toEqual(['g/y', 'go/a/@v/v1.zip', 'go/a/@v/v2.zip']);
      expect(await page('go/c', '', 10)).toEqual([]);
      const [first] = await idx.entriesPage('go/b/', '', 1);
      expect(first).toMatchObject({ key: 'go/b/@v/v1.zip', digest: d('2') });
      await idx.close();
    });

    it('create-if-absent keeps the first copy', async () => {
      const idx = await create();
      const first = await idx.createIfAbsent(entry('k', { digest: d('1') }));
      expect(first.digest).toBe(d('1'));
      const second = await idx.createIfAbsent(entry('k', { digest: d('2') }));
      expect(second.digest).toBe(d('1'));
      expect((await idx.get('k'))?.digest).toBe(d('1'));
      await idx.close();
    });

    it('counts distinct blob bytes and reports orphaned digests on delete', async () => {
      const idx = await create();
      await idx.put(entry('a', { digest: d('1'), size: 10 }));
      await idx.put(entry('b', { digest: d('1'), size: 10 }));
      await idx.put(entry('c', { digest: d('2'), size: 5 }));
      await idx.put(entry('n', { status: 'negative', digest: null, size: 0, upstreamStatus: 404 }));
      expect(await idx.totalBytes()).toBe(15);
      expect(await idx.delete(['a'])).toEqual([]);
      expect(await idx.totalBytes()).toBe(15);
      expect(await idx.references(d('1'))).toBe(true);
      expect(await idx.delete(['b', 'n'])).toEqual([d('1')]);
      expect(await idx.references(d('1'))).toBe(false);
      expect(await idx.totalBytes()).toBe(5);
      await idx.put(entry('c', { digest: d('3'), size: 8 }));
      expect(await idx.totalBytes()).toBe(8);
      await idx.put(entry('c', { digest: d('3'), size: 8 }));
      expect(await idx.totalBytes()).toBe(8);
      await idx.close();
    });

    it('orders LRU by last access and records hits', async () => {
      const idx = await create();
      await idx.put(entry('old', { lastAccess: 1 }));
      await idx.put(entry('mid', { lastAccess: 2, digest: d('b') }));
      await idx.put(entry('new', { lastAccess: 3, digest: d('c') }));
      await idx.touch([{ key: 'old', at: 10, hits: 1 }]);
      expect((await idx.lru(10)).map((e) => e.key)).toEqual(['mid', 'new', 'old']);
      expect((await idx.get('old'))?.hits).toBe(1);
      await idx.touch([
        { key: 'old', at: 11, hits: 0 },
        { key: 'mid', at: 1, hits: 2 },
      ]);
      expect(await idx.get('old')).toMatchObject({ hits: 1, lastAccess: 11 });
      expect(await idx.get('mid')).toMatchObject({ hits: 2, lastAccess: 2 });
      expect(await idx.lru(1)).toHaveLength(1);
      await idx.close();
    });

    it('refreshes freshness and validators', async () => {
      const idx = await create();
      await idx.put(entry('k'));
      await idx.refresh('k', { fetchedAt: 5000, etag: '"v2"' });
      expect(await idx.get('k')).toMatchObject({
        fetchedAt: 5000,
        etag: '"v2"',
        lastModified: null,
      });
      await idx.refresh('k', { fetchedAt: 6000 });
      expect(await idx.get('k')).toMatchObject({ fetchedAt: 6000, etag: '"v2"' });
      await idx.close();
    });

    it('finds expired entries by last access', async () => {
      const idx = await create();
      await idx.put(entry('keep', { expireAfter: null, lastAccess: 0 }));
      await idx.put(entry('soon', { expireAfter: 100, lastAccess: 0, digest: d('b') }));
      await idx.put(entry('later', { expireAfter: 10_000, lastAccess: 0, digest: d('c') }));
      expect((await idx.expired(500, 10)).map((e) => e.key)).toEqual(['soon']);
      await idx.close();
    });

    it('lists referenced digests and per-instance stats', async () => {
      const idx = await create();
      await idx.put(entry('a', { digest: d('1'), size: 10 }));
      await idx.put(entry('b', { digest: d('2'), size: 20, instance: 'other' }));
      await idx.put(entry('n', { status: 'negative', digest: null, size: 0, upstreamStatus: 410 }));
      await idx.addCounters('files', { hit: 3, miss: 1 });
      await idx.addCounters('files', { hit: 2 });
      const digests: string[] = [];
      for await (const x of idx.digests()) digests.push(x);
      expect(digests.sort()).toEqual([d('1'), d('2')]);
      const stats = await idx.stats();
      expect(stats).toMatchObject({ objects: 2, negatives: 1, bytes: 30 });
      expect(stats.instances.find((s) => s.instance === 'files')).toMatchObject({
        objects: 1,
        bytes: 10,
        negatives: 1,
        requests: { hit: 5, miss: 1 },
      });
      await idx.close();
    });

    it('drops every entry of a lost blob', async () => {
      const idx = await create();
      await idx.put(entry('a', { digest: d('1'), size: 10 }));
      await idx.put(entry('b', { digest: d('1'), size: 10 }));
      await idx.put(entry('c', { digest: d('2'), size: 4 }));
      expect(await idx.dropDigest(d('1'))).toBe(2);
      expect(await idx.get('a')).toBeUndefined();
      expect(await idx.get('c')).toBeDefined();
      expect(await idx.totalBytes()).toBe(4);
      await idx.close();
    });

    it('answers read and write probes without changing what it holds', async () => {
      const idx = await create();
      await idx.put(entry('k'));
      await expect(idx.ping()).resolves.toBeUndefined();
      await expect(idx.ping('read')).resolves.toBeUndefined();
      await expect(idx.ping('write')).resolves.toBeUndefined();
      expect((await idx.stats()).objects).toBe(1);
      expect(await idx.get('k')).toEqual(entry('k'));
      await idx.close();
    });

    it('keeps records per namespace, replaces them whole and lists them by key', async () => {
      const idx = await create();
      expect(await idx.getRecord('repo:deb', 'dists/stable')).toBeUndefined();
      await idx.putRecord('repo:deb', 'dists/stable', { state: 'pending', wanted: ['a'] }, 5);
      await idx.putRecord('repo:deb', 'dists/oldstable', { state: 'active' }, 6);
      await idx.putRecord('repo:rpm', 'dists/stable', 1, 7);
      await idx.putRecord('repo:deb', 'dists/stable', { state: 'active', wanted: [] }, 8);
      expect(await idx.getRecord('repo:deb', 'dists/stable')).toEqual({
        key: 'dists/stable',
        value: { state: 'active', wanted: [] },
        updatedAt: 8,
      });
      expect((await idx.listRecords('repo:deb')).map((r) => r.key)).toEqual([
        'dists/oldstable',
        'dists/stable',
      ]);
      await idx.deleteRecord('repo:deb', 'dists/stable');
      expect(await idx.getRecord('repo:deb', 'dists/stable')).toBeUndefined();
      expect((await idx.getRecord('repo:rpm', 'dists/stable'))?.value).toBe(1);
      expect(await idx.stats()).toMatchObject({ objects: 0 });
      await idx.close();
    });

    it('creates a record only once: the first value stays, and every writer is told it', async () => {
      const idx = await create();
      expect(await idx.createRecord('pins:go', 'm@v1', 'https://a', 5)).toEqual({
        key: 'm@v1',
        value: 'https://a',
        updatedAt: 5,
      });
      const again = await idx.createRecord('pins:go', 'm@v1', 'https://b', 6);
      expect(again).toEqual({ key: 'm@v1', value: 'https://a', updatedAt: 5 });
      expect((await idx.createRecord('pins:other', 'm@v1', 'https://b', 7)).value).toBe(
        'https://b',
      );
      expect((await idx.getRecord('pins:go', 'm@v1'))?.value).toBe('https://a');
      await idx.close();
    });

    it('pages records by key after a cursor and by time from a moment, per namespace', async () => {
      const idx = await create();
      for (const [key, at] of [
        ['b@v1', 30],
        ['a@v2', 20],
        ['a@v1', 20],
        ['c@v1', 10],
      ] as const) {
        await idx.putRecord('versions:go', key, { key }, at);
      }
      await idx.putRecord('versions:other', 'a@v0', 0, 15);
      const keys = (rs: Array<{ key: string }>) => rs.map((r) => r.key);
      const page = (after: string, limit: number) =>
        idx.pageRecords('versions:go', { by: 'key', after, limit });
      expect(keys(await page('', 2))).toEqual(['a@v1', 'a@v2']);
      expect(keys(await page('a@v2', 2))).toEqual(['b@v1', 'c@v1']);
      expect(keys(await page('c@v1', 2))).toEqual([]);
      const since = (from: number, limit: number) =>
        idx.pageRecords('versions:go', { by: 'time', since: from, limit });
      expect(keys(await since(0, 10))).toEqual(['c@v1', 'a@v1', 'a@v2', 'b@v1']);
      expect(keys(await since(20, 2))).toEqual(['a@v1', 'a@v2']);
      expect((await since(21, 5)).map((r) => r.updatedAt)).toEqual([30]);
      await idx.close();
    });

    doomedSuite(create);
  });
}
