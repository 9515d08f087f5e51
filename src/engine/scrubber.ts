// Finds silent damage: re-hashes every referenced blob at a bounded rate and drops the ones
// whose bytes no longer match their sha256 name (every entry naming them goes too, so the next
// request refetches). A blob that is missing is dropped from the index likewise. Runs in the
// background on a timer (storage.scrub) and once on demand (`trove verify`).
import { createHash } from 'node:crypto';
import type { CacheIndex } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';
import { sleep } from '../util/sleep.js';

export interface ScrubReport {
  blobs: number;
  bytes: number;
  damaged: string[];
  missing: string[];
  /** True when stopped before the end. */
  stopped: boolean;
}

export interface ScrubOptions {
  /** Bytes per second at most (0: as fast as the disk allows). */
  rate: number;
  /** Drop damaged or missing blobs and their entries (false: only report). */
  repair: boolean;
  stopped?(): boolean;
  onBytes?(n: number): void;
  onDamaged?(digest: string, why: string): void;
  /** How damaged blobs are dropped with their entries (the engine's evictor). */
  drop(digest: string): Promise<unknown>;
}

const CHUNK = 1024 * 1024;

/** Why a blob does not match its digest, or null when it does; 'missing' when it is gone. */
export async function checkBlob(
  blobs: BlobStore,
  digest: string,
  onChunk: (n: number) => Promise<void>,
): Promise<string | null> {
  const blob = await blobs.open(digest);
  if (!blob) return 'missing';
  try {
    const hash = createHash('sha256');
    for (let pos = 0; pos < blob.size;) {
      const chunk = await blob.read(pos, Math.min(CHUNK, blob.size - pos));
      if (chunk.length === 0) return `short read at ${pos} of ${blob.size}`;
      hash.update(chunk);
      pos += chunk.length;
      await onChunk(chunk.length);
    }
    const got = hash.digest('hex');
    return got === digest ? null : `sha256 is ${got}`;
  } finally {
    await blob.close();
  }
}

export async function scrub(
  index: CacheIndex,
  blobs: BlobStore,
  o: ScrubOptions,
): Promise<ScrubReport> {
  const report: ScrubReport = { blobs: 0, bytes: 0, damaged: [], missing: [], stopped: false };
  const started = Date.now();
  const pace = async (n: number): Promise<void> => {
    report.bytes += n;
    o.onBytes?.(n);
    if (o.rate <= 0) return;
    // Sleep until the bytes read so far fit the rate since the start.
    const ahead = (report.bytes / o.rate) * 1000 - (Date.now() - started);
    if (ahead > 0) await sleep(Math.min(ahead, 10_000));
  };
  for await (const digest of index.digests()) {
    if (o.stopped?.()) {
      report.stopped = true;
      break;
    }
    report.blobs++;
    const why = await checkBlob(blobs, digest, pace);
    if (why === null) continue;
    // A blob that vanished may simply have been evicted since the walk began.
    if (why === 'missing' && !(await index.references(digest))) continue;
    (why === 'missing' ? report.missing : report.damaged).push(digest);
    o.onDamaged?.(digest, why);
    if (o.repair) await o.drop(digest);
  }
  return report;
}
