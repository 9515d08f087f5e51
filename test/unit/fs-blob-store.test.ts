import { mkdtempSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { blobStoreSuite } from '../../src/storage/testsuites/blob-store-suite.js';

async function fresh(): Promise<FsBlobStore> {
  const store = new FsBlobStore(mkdtempSync(join(tmpdir(), 'trove-blobs-')));
  await store.init();
  return store;
}

blobStoreSuite('fs', fresh);

describe('FsBlobStore specifics', () => {
  it('lays blobs out as blobs/sha256/ab/cd/<hex>', async () => {
    const store = await fresh();
    const path = store.localPath('ab'.repeat(32));
    expect(path.endsWith(join('blobs', 'sha256', 'ab', 'ab', 'ab'.repeat(32)))).toBe(true);
  });

  it('removes temp files left by a crash', async () => {
    const store = await fresh();
    await writeFile(join(store.tmpDir, 'left-over.part'), 'half');
    expect(await store.removeTempFiles()).toBe(1);
    expect(await readdir(store.tmpDir)).toEqual([]);
  });
});
