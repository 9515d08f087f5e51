// Small hot objects kept in memory by digest, so metadata hits never touch disk.
// A Map keeps insertion order; re-inserting on access makes it an LRU. Metadata (packuments,
// indexes) may be larger than other objects: it is what every install asks for first.
import type { ResourceClass } from './types.js';

export class MemoryCache {
  readonly #items = new Map<string, Buffer>();
  readonly #maxBytes: number;
  readonly maxObject: number;
  readonly maxMetadata: number;
  #bytes = 0;

  constructor(maxBytes: number, maxObject: number, maxMetadata = maxObject) {
    this.#maxBytes = maxBytes;
    this.maxObject = Math.min(maxObject, maxBytes);
    this.maxMetadata = Math.min(Math.max(maxMetadata, maxObject), maxBytes);
  }

  /** The largest object of this class kept in memory. */
  limit(cls: ResourceClass): number {
    return cls === 'metadata' ? this.maxMetadata : this.maxObject;
  }

  get(digest: string): Buffer | undefined {
    const buf = this.#items.get(digest);
    if (buf) {
      this.#items.delete(digest);
      this.#items.set(digest, buf);
    }
    return buf;
  }

  set(digest: string, buf: Buffer, limit = this.maxObject): void {
    if (buf.length > Math.min(limit, this.maxMetadata) || this.#items.has(digest)) return;
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
