// Small hot objects kept in memory by digest, so metadata hits never touch disk. The byte count
// includes a fixed cost per entry, so max_bytes bounds the memory used, whatever the sizes.
// A Map keeps insertion order; re-inserting on access makes it an LRU. Metadata (packuments,
// indexes) may be larger than other objects: it is what every install asks for first.
import type { ResourceClass } from './types.js';

/**
 * What an entry costs beyond its bytes (the Map slot, the 64-character key, the Buffer object):
 * counted, so a cache of many tiny objects stays within max_bytes in fact, not only in bytes.
 */
export const ENTRY_OVERHEAD = 256;

/**
 * A buffer that owns exactly its bytes. A small Buffer is often a view into a shared 8 KiB
 * pool (or a larger read), which a cached view would keep alive whole.
 */
function owned(buf: Buffer): Buffer {
  if (buf.byteOffset === 0 && buf.buffer.byteLength === buf.length) return buf;
  const copy = Buffer.allocUnsafeSlow(buf.length);
  buf.copy(copy);
  return copy;
}

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
    if (buf.length + ENTRY_OVERHEAD > this.#maxBytes) return;
    this.#items.set(digest, owned(buf));
    this.#bytes += buf.length + ENTRY_OVERHEAD;
    for (const [k, v] of this.#items) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#items.delete(k);
      this.#bytes -= v.length + ENTRY_OVERHEAD;
    }
  }

  delete(digest: string): void {
    const buf = this.#items.get(digest);
    if (buf) {
      this.#items.delete(digest);
      this.#bytes -= buf.length + ENTRY_OVERHEAD;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }
}
