// Keeps the store within max_size (least recently accessed first), drops entries past
// expire_after, and collects blobs no entry references. Blobs go through the deletion queue
// (blob-reaper.ts): at once without a grace period, else once it has passed.
import type { Logger } from 'pino';
import type { BlobStore } from '../storage/blob-store.js';
import type { CacheIndex } from '../index/cache-index.js';
import type { Metrics } from '../observability/metrics.js';
import type { MemoryCache } from './memory-cache.js';
import { BlobReaper, type Reaped } from './blob-reaper.js';

const BATCH = 200;
const MAX_ROUNDS = 10_000;

export interface EvictorDeps {
  index: CacheIndex;
  blobs: BlobStore;
  memory: MemoryCache;
  maxSize: number | null;
  /** How long an unreferenced blob stays before it is deleted (ms, default 0). */
  deleteGraceMs?: number;
  log: Logger;
  metrics: Metrics;
}

export class Evictor {
  #running: Promise<void> | null = null;
  #again = false;
  readonly reaper: BlobReaper;

  constructor(private readonly d: EvictorDeps) {
    this.reaper = new BlobReaper(d.index, d.blobs, d.memory, d.deleteGraceMs ?? 0, d.log);
  }

  /** Removes entries; the blobs no entry references any more go through the deletion queue. */
  async remove(keys: string[], reason: string): Promise<void> {
    if (keys.length === 0) return;
    await this.d.index.delete(keys);
    this.d.metrics.evictions.inc({ reason }, keys.length);
    await this.reaper.released();
  }

  /** Removes a damaged blob and every entry that names it, so the next request refetches. */
  async dropBlob(digest: string): Promise<number> {
    const entries = await this.d.index.dropDigest(digest);
    this.d.memory.delete(digest);
    await this.d.blobs.delete(digest);
    this.d.metrics.evictions.inc({ reason: 'corrupt' }, entries);
    return entries;
  }

  /** Runs eviction now, or once more after the run in progress. */
  enforce(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          await this.#enforceOnce();
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  async #enforceOnce(): Promise<void> {
    if (this.d.maxSize === null) return;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const total = await this.d.index.totalBytes();
      if (total <= this.d.maxSize) return;
      const victims = await this.d.index.lru(BATCH);
      if (victims.length === 0) return;
      let over = total - this.d.maxSize;
      const keys: string[] = [];
      for (const v of victims) {
        keys.push(v.key);
        over -= v.size;
        if (over <= 0) break;
      }
      this.d.log.debug(
        { evicted: keys.length, total, maxSize: this.d.maxSize },
        'evicting for max_size',
      );
      await this.remove(keys, 'max_size');
    }
  }

  async expire(now: number): Promise<number> {
    let removed = 0;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const expired = await this.d.index.expired(now, BATCH);
      if (expired.length === 0) break;
      await this.remove(
        expired.map((e) => e.key),
        'expire_after',
      );
      removed += expired.length;
    }
    return removed;
  }

  /**
   * Queues stored blobs that no entry references and that are older than ageMs (a blob left
   * by a crash between its upload and its entry), then deletes what is due.
   */
  async gc(now: number, ageMs: number): Promise<Reaped & { queued: number }> {
    let queued = 0;
    for await (const blob of this.d.blobs.list()) {
      if (now - blob.modifiedMs < ageMs) continue;
      if (await this.d.index.references(blob.digest)) continue;
      await this.d.index.condemnBlob(blob.digest, blob.size);
      queued++;
    }
    return { ...(await this.reaper.reap()), queued };
  }
}
