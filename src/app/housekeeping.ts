// The cache's background upkeep: expiry, GC of unreferenced blobs, deletion of blobs past their
// grace period, the size limit at start, the missing-blob sweep and the scrub. In a cluster one
// worker (the housekeeper) runs it all.
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { CacheIndex } from '../index/cache-index.js';
import type { Metrics } from '../observability/metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import { sweepLostBlobs } from './recovery.js';
import { scheduleScrub } from './scrub-timer.js';

const REAP_INTERVAL_MS = 60_000;

export interface Housekeeping {
  stop(): Promise<void>;
}

export function startHousekeeping(
  d: { engine: Engine; index: CacheIndex; blobs: BlobStore; metrics: Metrics; log: Logger },
  storage: Config['storage'],
): Housekeeping {
  const { engine, log } = d;
  let stopped = false;
  const timers = [
    setInterval(
      () =>
        void engine.evictor
          .expire(Date.now())
          .catch((err: unknown) => log.error({ err }, 'expiry failed')),
      60_000,
    ),
    setInterval(
      () =>
        void engine.evictor
          .gc(Date.now(), 3_600_000)
          .catch((err: unknown) => log.error({ err }, 'gc failed')),
      storage.gc_interval,
    ),
    // Blobs whose grace period has passed (a pass finds nothing when deletion is immediate).
    setInterval(
      () =>
        void engine.evictor.reaper
          .reap()
          .catch((err: unknown) => log.error({ err }, 'blob deletion failed')),
      REAP_INTERVAL_MS,
    ),
  ];
  for (const t of timers) t.unref();
  void engine.evictor.enforce().catch((err: unknown) => log.error({ err }, 'eviction failed'));
  // A crash can lose a blob on a local disk after its entry was written; a bucket's upload
  // completes before the commit, and a sweep there would ask for every blob at each start.
  const sweep =
    storage.blobs.driver === 'fs'
      ? sweepLostBlobs(d.blobs, d.index, log, () => stopped).catch((err: unknown) =>
          log.error({ err }, 'missing-blob sweep failed'),
        )
      : Promise.resolve();
  const scrubber = scheduleScrub(d, storage.scrub.interval, storage.scrub.rate);
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await sweep;
      await scrubber.stop();
    },
  };
}
