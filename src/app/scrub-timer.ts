// The background scrub on a timer: one pass at a time, the first an hour after start (or one
// interval, if shorter), and stopped at shutdown.
import type { Logger } from 'pino';
import type { Engine } from '../engine/engine.js';
import { scrub } from '../engine/scrubber.js';
import type { CacheIndex } from '../index/cache-index.js';
import type { Metrics } from '../observability/metrics.js';
import type { BlobStore } from '../storage/blob-store.js';

export interface ScrubTimer {
  stop(): Promise<void>;
}

export function scheduleScrub(
  d: { index: CacheIndex; blobs: BlobStore; engine: Engine; metrics: Metrics; log: Logger },
  intervalMs: number,
  rate: number,
): ScrubTimer {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  const run = (): void => {
    running = scrub(d.index, d.blobs, {
      rate,
      repair: true,
      stopped: () => stopped,
      onBytes: (n) => d.metrics.scrubbedBytes.inc(n),
      onDamaged: (digest, why) => {
        d.metrics.corruptBlobs.inc({ found_by: 'scrub' });
        d.log.error(
          { digest, why, code: 'TROVE_ERR_CORRUPT' },
          'scrub found a damaged blob; dropped',
        );
      },
      drop: (digest) => d.engine.evictor.dropBlob(digest),
    })
      .then((r) => {
        const found = r.damaged.length + r.missing.length;
        d.log.info({ blobs: r.blobs, bytes: r.bytes, damaged: found }, 'scrub pass done');
      })
      .catch((err: unknown) => d.log.error({ err }, 'scrub pass failed'))
      .finally(() => {
        if (!stopped) arm(intervalMs);
      });
  };
  const arm = (ms: number): void => {
    timer = setTimeout(run, ms);
    timer.unref();
  };
  if (intervalMs > 0) arm(Math.min(intervalMs, 3_600_000));
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
