// Start-up recovery after a crash: temp files are removed (no fill is running yet), and index
// entries whose blob is missing are dropped so they refetch instead of failing.
import type { Logger } from 'pino';
import type { CacheIndex } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';

export async function recover(
  blobs: BlobStore & { removeTempFiles?(): Promise<number> },
  index: CacheIndex,
  log: Logger,
): Promise<{ tempFiles: number; lostEntries: number }> {
  const tempFiles = (await blobs.removeTempFiles?.()) ?? 0;
  const lost: string[] = [];
  for await (const digest of index.digests()) {
    if (!(await blobs.stat(digest))) lost.push(digest);
  }
  let lostEntries = 0;
  for (const digest of lost) lostEntries += await index.dropDigest(digest);
  if (tempFiles || lostEntries)
    log.warn({ tempFiles, lostEntries }, 'recovered from an unclean stop');
  return { tempFiles, lostEntries };
}
