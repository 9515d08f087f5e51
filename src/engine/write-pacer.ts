// How much to read for a client next. Large reads cost fewer syscalls and event-loop turns for
// a client that keeps up; a client that lags gets small ones, so each stalled client holds
// little memory (a read is never issued before the previous write drained).
import type { ServerResponse } from 'node:http';

const MIN = 64 * 1024;
const MAX = 1024 * 1024;

export class WritePacer {
  #size = MIN;

  /** Bytes to read for the next write. */
  get size(): number {
    return this.#size;
  }

  /**
   * Writes one chunk and waits for the client to take it when it pushes back. Grows the next
   * read while the client keeps up; shrinks it back as soon as it lags.
   */
  async write(res: ServerResponse, chunk: Buffer): Promise<void> {
    if (res.write(chunk)) {
      this.#size = Math.min(MAX, this.#size * 2);
      return;
    }
    this.#size = MIN;
    await drained(res);
  }
}

function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
