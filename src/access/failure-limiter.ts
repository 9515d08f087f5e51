// Failed credential checks per client address: past `limit` in `window`, that address gets 429
// until the window ends, so a flood of wrong passwords costs one map lookup each, not a bcrypt.
const MAX_SOURCES = 100_000;

export class FailureLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #sources = new Map<string, { count: number; since: number }>();

  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Seconds until this source may try again, or 0 when it may now. */
  blockedFor(source: string): number {
    const s = this.#sources.get(source);
    if (!s || s.count < this.#limit) return 0;
    const left = s.since + this.#windowMs - this.#now();
    if (left > 0) return Math.ceil(left / 1000);
    this.#sources.delete(source);
    return 0;
  }

  fail(source: string): void {
    const now = this.#now();
    const s = this.#sources.get(source);
    if (s && now - s.since < this.#windowMs) {
      s.count++;
      return;
    }
    if (this.#sources.size >= MAX_SOURCES) this.#sweep(now);
    this.#sources.set(source, { count: 1, since: now });
  }

  #sweep(now: number): void {
    for (const [k, s] of this.#sources)
      if (now - s.since >= this.#windowMs) this.#sources.delete(k);
    // Still full: an address spray; forget the oldest half rather than grow without bound.
    if (this.#sources.size >= MAX_SOURCES) {
      let drop = this.#sources.size / 2;
      for (const k of this.#sources.keys()) {
        if (drop-- <= 0) break;
        this.#sources.delete(k);
      }
    }
  }
}
