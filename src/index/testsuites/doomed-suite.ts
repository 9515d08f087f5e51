// The deletion queue's part of the Index conformance suite (see ../doomed.ts): run by
// indexSuite for every driver.
import { expect, it } from 'vitest';
import type { CacheIndex } from '../cache-index.js';
import { d, entry } from './index-suite.js';
const digests = (blobs: Array<{ digest: string }>): string[] => blobs.map((b) => b.digest).sort();

export function doomedSuite(create: () => Promise<CacheIndex>): void {
  it('queues a blob when its last entry goes, and takes it once the grace has passed', async () => {
    const idx = await create();
    await idx.put(entry('a', { digest: d('1'), size: 10 }));
    await idx.put(entry('b', { digest: d('1'), size: 10 }));
    await idx.delete(['a']);
    expect(await idx.takeDoomed(0, 10)).toEqual([]);
    await idx.delete(['b']);
    expect(await idx.takeDoomed(3_600_000, 10)).toEqual([]);
    expect(await idx.takeDoomed(0, 10)).toEqual([{ digest: d('1'), size: 10 }]);
    // Taken: no other caller gets it while its deletion runs.
    expect(await idx.takeDoomed(0, 10)).toEqual([]);
    await idx.forgetDoomed([d('1')]);
    expect(await idx.takeDoomed(0, 10)).toEqual([]);
    await idx.close();
  });

  it('takes a blob off the queue when an entry references it again', async () => {
    const idx = await create();
    await idx.put(entry('a', { digest: d('1') }));
    await idx.delete(['a']);
    await idx.put(entry('b', { digest: d('1') }));
    await idx.put(entry('c', { digest: d('2') }));
    // Replacing an entry's body queues the old one.
    await idx.put(entry('c', { digest: d('3') }));
    expect(digests(await idx.takeDoomed(0, 10))).toEqual([d('2')]);
    await idx.close();
  });

  it('never takes a claimed blob: the claim ends with an entry or a release', async () => {
    const idx = await create();
    await idx.put(entry('a', { digest: d('1') }));
    expect(await idx.claimBlob(d('1'), 100)).toBe(true);
    await idx.delete(['a']);
    expect(await idx.takeDoomed(0, 10)).toEqual([]);
    await idx.releaseBlob(d('1'));
    expect(digests(await idx.takeDoomed(0, 10))).toEqual([d('1')]);

    expect(await idx.claimBlob(d('2'), 100)).toBe(true);
    await idx.put(entry('b', { digest: d('2') }));
    await idx.releaseBlob(d('2'));
    await idx.delete(['b']);
    expect(digests(await idx.takeDoomed(0, 10))).toEqual([d('2')]);

    // A commit of a body the entry already has: the claim still ends.
    await idx.put(entry('c', { digest: d('3') }));
    expect(await idx.claimBlob(d('3'), 100)).toBe(true);
    await idx.put(entry('c', { digest: d('3') }));
    await idx.releaseBlob(d('3'));
    await idx.delete(['c']);
    expect(digests(await idx.takeDoomed(0, 10))).toEqual([d('3')]);
    await idx.close();
  });

  it('refuses a claim while the blob is being deleted, and grants it after', async () => {
    const idx = await create();
    await idx.put(entry('a', { digest: d('1') }));
    await idx.delete(['a']);
    expect(digests(await idx.takeDoomed(0, 10))).toEqual([d('1')]);
    expect(await idx.claimBlob(d('1'), 100)).toBe(false);
    await idx.forgetDoomed([d('1')]);
    expect(await idx.claimBlob(d('1'), 100)).toBe(true);
    // forgetDoomed leaves a claim made since alone.
    await idx.forgetDoomed([d('1')]);
    expect(await idx.takeDoomed(0, 10)).toEqual([]);
    await idx.close();
  });

  it('queues a stray blob found on the store, unless an entry or a claim holds it', async () => {
    const idx = await create();
    await idx.put(entry('a', { digest: d('1') }));
    await idx.condemnBlob(d('1'), 100);
    expect(await idx.claimBlob(d('2'), 7)).toBe(true);
    await idx.condemnBlob(d('2'), 7);
    await idx.condemnBlob(d('3'), 9);
    await idx.condemnBlob(d('3'), 9);
    expect(await idx.takeDoomed(0, 10)).toEqual([{ digest: d('3'), size: 9 }]);
    await idx.releaseBlob(d('2'));
    expect(await idx.takeDoomed(0, 10)).toEqual([{ digest: d('2'), size: 7 }]);
    await idx.close();
  });
}
