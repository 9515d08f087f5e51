// Small hot objects kept in memory by digest, so metadata hits never touch disk.
// A Map keeps insertion order; re-inserting on access makes it an LRU.

export class MemoryCache {
  readonly #items = new Map<string, Buffer>();
  readonly #maxBytes: number;
  readonly maxObject: number;
  #bytes = 0;

  constructor(maxBytes: number, maxObject: number) {
    this.#maxBytes = maxBytes;
    this.maxObject = Math.min(maxObject, maxBytes);
  }

  get(digest: string): Buffer | undefined {
    const buf = this.#items.get(digest);
    if (buf) {
      this.#items.delete(digest);
      this.#items.set(digest, buf);
    }
    return buf;
  }

  set(digest: string, buf: Buffer): void {
    if (buf.length > this.maxObject || this.#items.has(digest)) return;
    this.#items.set(digest, buf);
    this.#bytes += buf.length;
    for (const [k, v] of this.#items) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#items.delete(k);
      this.#bytes -= v.length;
    }
  }

  delete(digest: string): void {
    const buf = this.#items.get(digest);
    if (buf) {
      this.#items.delete(digest);
      this.#bytes -= buf.length;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }
}
