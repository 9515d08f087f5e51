// Positional reads over one sequential HTTP body. The engine reads a blob front to back in
// chunks; each chunk as its own ranged GET would cost a round trip, so the reader keeps one
// ranged GET open and takes the next chunk from it, and opens a new one only on a jump.
import type { Readable } from 'node:stream';

export class StreamCursor {
  readonly #body: Readable;
  #position: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #ended = false;
  #error: Error | null = null;
  #wake: (() => void) | null = null;

  constructor(body: Readable, position: number) {
    this.#body = body;
    this.#position = position;
    body.on('readable', () => this.#notify());
    body.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    body.on('error', (err) => {
      this.#error = err;
      this.#notify();
    });
    // Destroyed without an error (closed early): a waiting take must not wait forever.
    body.on('close', () => {
      if (!this.#ended) this.#error ??= new Error('the object body was closed before its end');
      this.#notify();
    });
  }

  /** Where the next byte taken comes from. */
  get position(): number {
    return this.#position;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  /** Up to `length` bytes; shorter only when the body ends first. */
  async take(length: number): Promise<Buffer> {
    while (this.#pendingBytes < length && !this.#ended) {
      if (this.#error) throw this.#error;
      const chunk = this.#body.read() as Buffer | null;
      if (chunk) {
        this.#pending.push(chunk);
        this.#pendingBytes += chunk.length;
        continue;
      }
      await new Promise<void>((r) => (this.#wake = r));
    }
    if (this.#error && this.#pendingBytes < length) throw this.#error;
    const all =
      this.#pending.length === 1 ? (this.#pending[0] as Buffer) : Buffer.concat(this.#pending);
    const out = all.subarray(0, Math.min(length, all.length));
    const rest = all.subarray(out.length);
    this.#pending = rest.length ? [rest] : [];
    this.#pendingBytes = rest.length;
    this.#position += out.length;
    return out;
  }

  close(): void {
    this.#body.destroy();
  }
}
