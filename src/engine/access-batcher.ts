// Batches hit bookkeeping (last access, hit counts, per-instance result counters) and writes
// it to the index once a second, so a hit costs one index read and no write.
import type { Access, CacheIndex } from '../index/cache-index.js';

export class AccessBatcher {
  readonly #index: CacheIndex;
  #accesses = new Map<string, Access>();
  #counters = new Map<string, Record<string, number>>();
  #timer: NodeJS.Timeout | null = null;
  readonly #intervalMs: number;

  constructor(index: CacheIndex, intervalMs = 1000) {
    this.#index = index;
    this.#intervalMs = intervalMs;
  }

  access(key: string, at: number, hit: boolean): void {
    const a = this.#accesses.get(key);
    if (a) {
      a.at = Math.max(a.at, at);
      a.hits += hit ? 1 : 0;
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
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.flush(), this.#intervalMs);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const accesses = [...this.#accesses.values()];
    const counters = [...this.#counters.entries()];
    this.#accesses = new Map();
    this.#counters = new Map();
    if (accesses.length > 0) await this.#index.touch(accesses);
    for (const [instance, counts] of counters) await this.#index.addCounters(instance, counts);
  }
}
