// Batches hit bookkeeping (last access, hit counts, per-instance result counters) and writes
// it to the index once a second, in chunks, so a hit costs one index read and no write.
// Bookkeeping is never worth a request or the process: a batch the index refuses is kept and
// retried with a growing delay, up to a bounded backlog; past that, accesses are dropped and
// counted.
import type { Access, CacheIndex } from '../index/cache-index.js';

/** Keys per index write: a few milliseconds of SQLite work at most. */
const TOUCH_CHUNK = 500;

export interface BatcherOptions {
  intervalMs?: number;
  /** Most distinct keys kept while the index refuses writes. */
  maxBacklog?: number;
  /** Longest delay between retries after failures (ms). */
  maxDelayMs?: number;
  onBacklog?(keys: number): void;
  onDropped?(accesses: number): void;
  onError?(err: unknown): void;
}

export class AccessBatcher {
  readonly #index: CacheIndex;
  #accesses = new Map<string, Access>();
  #counters = new Map<string, Record<string, number>>();
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #failures = 0;
  readonly #o: Required<Pick<BatcherOptions, 'intervalMs' | 'maxBacklog' | 'maxDelayMs'>> &
    BatcherOptions;

  constructor(index: CacheIndex, options: BatcherOptions = {}) {
    this.#index = index;
    this.#o = { intervalMs: 1000, maxBacklog: 100_000, maxDelayMs: 30_000, ...options };
  }

  /** Distinct keys waiting to be written. */
  get backlog(): number {
    return this.#accesses.size;
  }

  access(key: string, at: number, hit: boolean): void {
    const a = this.#accesses.get(key);
    if (a) {
      a.at = Math.max(a.at, at);
      a.hits += hit ? 1 : 0;
    } else if (this.#accesses.size >= this.#o.maxBacklog) {
      this.#o.onDropped?.(1);
    } else this.#accesses.set(key, { key, at, hits: hit ? 1 : 0 });
    this.#schedule();
  }

  count(instance: string, result: string): void {
    let c = this.#counters.get(instance);
    if (!c) this.#counters.set(instance, (c = {}));
    c[result] = (c[result] ?? 0) + 1;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#timer || this.#flushing) return;
    const delay = Math.min(this.#o.maxDelayMs, this.#o.intervalMs * 2 ** this.#failures);
    this.#timer = setTimeout(() => void this.flush(), delay);
    this.#timer.unref();
  }

  /** Writes what is pending; never rejects. A failed batch stays pending for the next try. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#flushing ??= this.#write().finally(() => {
      this.#flushing = null;
      if (this.#accesses.size > 0 || this.#counters.size > 0) this.#schedule();
    });
    return this.#flushing;
  }

  async #write(): Promise<void> {
    const accesses = this.#accesses;
    const counters = this.#counters;
    this.#accesses = new Map();
    this.#counters = new Map();
    try {
      await this.#touchInChunks(accesses);
      for (const [instance, counts] of counters) {
        await this.#index.addCounters(instance, counts);
        counters.delete(instance);
      }
      this.#failures = 0;
    } catch (err) {
      this.#failures = Math.min(this.#failures + 1, 16);
      this.#o.onError?.(err);
      this.#requeue(accesses, counters);
    }
    this.#o.onBacklog?.(this.#accesses.size);
  }

  /**
   * Writes accesses a chunk at a time, yielding to the event loop between chunks: a
   * synchronous driver (SQLite) then never holds the loop for a whole second's worth of keys.
   * Written keys leave the map, so a failure requeues only the rest.
   */
  async #touchInChunks(accesses: Map<string, Access>): Promise<void> {
    while (accesses.size > 0) {
      const chunk: Access[] = [];
      for (const a of accesses.values()) {
        chunk.push(a);
        if (chunk.length === TOUCH_CHUNK) break;
      }
      await this.#index.touch(chunk);
      for (const a of chunk) accesses.delete(a.key);
      if (accesses.size > 0) await new Promise((r) => setImmediate(r));
    }
  }

  /** Puts an unwritten batch back in front of what arrived meanwhile, within the bound. */
  #requeue(accesses: Map<string, Access>, counters: Map<string, Record<string, number>>): void {
    let dropped = 0;
    for (const a of this.#accesses.values()) {
      const old = accesses.get(a.key);
      if (old) {
        old.at = Math.max(old.at, a.at);
        old.hits += a.hits;
      } else if (accesses.size < this.#o.maxBacklog) accesses.set(a.key, a);
      else dropped += 1;
    }
    this.#accesses = accesses;
    for (const [instance, counts] of this.#counters) {
      const into = counters.get(instance) ?? {};
      for (const [r, n] of Object.entries(counts)) into[r] = (into[r] ?? 0) + n;
      counters.set(instance, into);
    }
    this.#counters = counters;
    if (dropped > 0) this.#o.onDropped?.(dropped);
  }
}
