// What a reader sees of a fill, whether this process runs it (fill.ts) or another worker does
// (cluster/remote-fill.ts): its outcome, how many bytes may be sent, and positional reads.
import type { FileHandle } from 'node:fs/promises';
import type { TroveError } from '../errors.js';
import { ChunkWindow } from './chunk-window.js';
import type { FillOutcome } from './fill.js';

/**
 * The answer of a joined fill that has nothing to stream (another process committed the key,
 * or gave it back): the engine reads the index again, as after a 304, and fetches if needed.
 */
export const LOOK_AGAIN: FillOutcome = {
  kind: 'not-modified',
  validators: { etag: null, lastModified: null },
};

export abstract class FillView {
  readonly key: string;
  abstract readonly outcome: Promise<FillOutcome>;
  /** Resolves when the fill is committed (null) or has failed (the error). Never rejects. */
  abstract readonly settled: Promise<TroveError | null>;
  /** Bytes received so far (the whole body once done). */
  abstract readonly received: number;
  /** Bytes a reader may send now; the last byte waits for verification. */
  abstract readonly readable: number;
  abstract readonly done: boolean;
  abstract readonly error: TroveError | null;
  /** Why a complete, verified body was not stored; its clients still got all of it. */
  abstract readonly uncommitted: TroveError | null;
  /** Waits until more bytes are readable, or the fill ends. */
  abstract progress(): Promise<void>;
  /** Closes the spool file once the fill is over and nobody reads it any more. */
  protected abstract closeIfDone(): Promise<void>;

  /** The spool file, open while the body can be read from it. */
  protected handle: FileHandle | null = null;
  protected readers = 0;
  protected retired = false;
  /** Recent bytes in memory, for the readers that keep up. */
  protected readonly window: ChunkWindow;

  constructor(key: string, windowBytes: number) {
    this.key = key;
    this.window = new ChunkWindow(windowBytes);
  }

  /**
   * Registers a reader; the spool file stays open until every reader has released it. False
   * when the body can no longer be read here (the fill failed, or was retired and closed).
   */
  tryAcquire(): boolean {
    if (!this.handle) return false;
    this.readers++;
    return true;
  }

  release(): void {
    this.readers--;
    void this.closeIfDone();
  }

  /** The engine no longer hands this fill to new requests. */
  retire(): void {
    this.retired = true;
    void this.closeIfDone();
  }

  /**
   * Up to `max` readable bytes from `pos`: from memory when recent, else from the spool file
   * (valid after commit renames it, since the handle stays open).
   */
  async read(pos: number, max: number): Promise<Buffer> {
    const len = Math.min(max, this.readable - pos);
    if (len <= 0) return Buffer.alloc(0);
    const mem = this.window.read(pos, len);
    if (mem) return mem;
    const fh = this.handle;
    if (!fh) throw new Error('spool file is closed');
    const buf = Buffer.allocUnsafe(len);
    const { bytesRead } = await fh.read(buf, 0, len, pos);
    return bytesRead === len ? buf : buf.subarray(0, bytesRead);
  }

  /** Closes the spool file once the fill is over and failed or retired, and nobody reads it. */
  protected async closeSpool(over: boolean, failed: boolean): Promise<void> {
    if (this.handle && over && (failed || this.retired) && this.readers === 0) {
      const fh = this.handle;
      this.handle = null;
      this.window.clear();
      await fh.close().catch(() => undefined);
    }
  }

  /** Waits until the body is complete, has failed, or has passed `limit` bytes. */
  async held(limit: number): Promise<void> {
    while (!this.done && !this.error && this.received <= limit) await this.progress();
  }

  /** The whole body once complete and verified (for small objects); throws the fill's error. */
  async wholeBody(): Promise<Buffer> {
    if (!this.tryAcquire()) throw this.error ?? new Error('fill has no body');
    try {
      await this.held(Number.POSITIVE_INFINITY);
      if (this.error) throw this.error;
      const parts: Buffer[] = [];
      for (let pos = 0; pos < this.received;) {
        const chunk = await this.read(pos, this.received - pos);
        if (chunk.length === 0) throw new Error('spool file ended early');
        parts.push(chunk);
        pos += chunk.length;
      }
      return Buffer.concat(parts);
    } finally {
      this.release();
    }
  }
}
