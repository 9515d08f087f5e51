// The most recent bytes of a fill, kept in memory so clients that keep up with the download
// are served without touching the spool file, and before the bytes even reach the disk.
// A chunk leaves the window only once it is on disk and far enough behind the newest byte.

interface Chunk {
  start: number;
  buf: Buffer;
}

export class ChunkWindow {
  readonly #chunks: Chunk[] = [];
  readonly #keep: number;
  #end = 0;

  constructor(keepBytes: number) {
    this.#keep = keepBytes;
  }

  push(buf: Buffer): void {
    this.#chunks.push({ start: this.#end, buf });
    this.#end += buf.length;
  }

  /** Drops chunks that are on disk (below `durable`) and older than the kept span. */
  trim(durable: number): void {
    for (;;) {
      const first = this.#chunks[0];
      if (!first) return;
      const end = first.start + first.buf.length;
      if (end > durable || this.#end - end < this.#keep) return;
      this.#chunks.shift();
    }
  }

  /** Bytes from `pos`, at most `max`, or null when `pos` is no longer in memory. */
  read(pos: number, max: number): Buffer | null {
    const chunks = this.#chunks;
    if (chunks.length === 0 || pos < (chunks[0] as Chunk).start) return null;
    // Readers are usually near the end: search backwards.
    for (let i = chunks.length - 1; i >= 0; i--) {
      const c = chunks[i] as Chunk;
      if (pos >= c.start) {
        const off = pos - c.start;
        if (off >= c.buf.length) return null;
        return c.buf.subarray(off, Math.min(c.buf.length, off + max));
      }
    }
    return null;
  }

  /** Bytes [0, end) when every one of them is still in memory, else null. */
  prefix(end: number): Buffer | null {
    const first = this.#chunks[0];
    if (end === 0) return Buffer.alloc(0);
    if (!first || first.start !== 0 || this.#end < end) return null;
    const parts: Buffer[] = [];
    for (const c of this.#chunks) {
      if (c.start >= end) break;
      parts.push(c.buf);
    }
    return Buffer.concat(parts).subarray(0, end);
  }

  clear(): void {
    this.#chunks.length = 0;
  }
}
