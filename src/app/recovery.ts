// Recovery after an unclean stop. Temp files are removed before any fill starts. Entries whose
// blob is missing are swept in the background once serving has begun: a large cache must not
// delay start-up, and a hit on such an entry already notices the missing blob and refetches.
import type { Logger } from 'pino';
import type { CacheIndex } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';

export async function removeTempFiles(
  blobs: BlobStore & { removeTempFiles?(): Promise<number> },
  log: Logger,
): Promise<number> {
  const n = (await blobs.removeTempFiles?.()) ?? 0;
  if (n) log.warn({ tempFiles: n }, 'removed temp files left by an unclean stop');
  return n;
}

/** Drops entries whose blob is gone; stops early when `stopped()` turns true. */
export async function sweepLostBlobs(
  blobs: BlobStore,
  index: CacheIndex,
  log: Logger,
  stopped: () => boolean = () => false,
): Promise<number> {
  let dropped = 0;
  for await (const digest of index.digests()) {
    if (stopped()) break;
    if (!(await blobs.stat(digest))) dropped += await index.dropDigest(digest);
  }
  if (dropped) log.warn({ lostEntries: dropped }, 'dropped entries whose blob was missing');
  return dropped;
}
