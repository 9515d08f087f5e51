// Deletes blobs from the store through the index's deletion queue (src/index/doomed.ts): only
// blobs no entry references, that no commit has claimed, and that have waited out the grace
// period (so a replica still streaming one from a shared bucket finishes first).
import type { Logger } from 'pino';
import type { CacheIndex } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { MemoryCache } from './memory-cache.js';

const BATCH = 200;
const MAX_ROUNDS = 10_000;

export interface Reaped {
  deleted: number;
  bytes: number;
}

export class BlobReaper {
  #running: Promise<Reaped> | null = null;
  #again = false;

  constructor(
    private readonly index: CacheIndex,
    private readonly blobs: BlobStore,
    private readonly memory: MemoryCache,
    /** How long a blob stays after its last entry went (ms). */
    readonly graceMs: number,
    private readonly log: Logger,
  ) {}

  /** After entries went: deletes their blobs now when there is no grace period. */
  async released(): Promise<void> {
    if (this.graceMs === 0) await this.reap();
  }

  /** Deletes every blob that is due, or runs once more after the pass in progress. */
  reap(): Promise<Reaped> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      const total: Reaped = { deleted: 0, bytes: 0 };
      try {
        do {
          this.#again = false;
          const r = await this.#reapOnce();
          total.deleted += r.deleted;
          total.bytes += r.bytes;
        } while (this.#again);
      } finally {
        this.#running = null;
      }
      return total;
    })();
    return this.#running;
  }

  async #reapOnce(): Promise<Reaped> {
    const out: Reaped = { deleted: 0, bytes: 0 };
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const due = await this.index.takeDoomed(this.graceMs, BATCH);
      if (due.length === 0) break;
      const done: string[] = [];
      for (const blob of due) {
        this.memory.delete(blob.digest);
        try {
          await this.blobs.delete(blob.digest);
        } catch (err) {
          // The row stays taken; it is taken again once the deletion counts as abandoned.
          this.log.warn({ err, digest: blob.digest }, 'blob not deleted; retried later');
          continue;
        }
        done.push(blob.digest);
        out.deleted++;
        out.bytes += blob.size;
      }
      await this.index.forgetDoomed(done);
      if (due.length < BATCH) break;
    }
    return out;
  }
}
