// How much to read for a client next, and whether to read ahead. Large reads cost fewer
// syscalls and event-loop turns for a client that keeps up; a client that lags (it took more
// than a moment to take the last write) gets small ones and no read-ahead, so each stalled
// client holds little memory.
import type { ServerResponse } from 'node:http';

const MIN = 64 * 1024;
const MAX = 1024 * 1024;
/** A client that needs longer than this to take a write is lagging. */
const LAG_MS = 20;

export class WritePacer {
  #size = MIN;
  #lagging = false;
  #tookAll = true;

  /** Bytes to read for the next write. */
  get size(): number {
    return this.#size;
  }

  /**
   * Whether the last write went straight to the socket, nothing left buffered: the client
   * keeps up, and reading ahead for it costs no memory that a stall could pin.
   */
  get keepsUp(): boolean {
    return this.#tookAll;
  }

  /** Writes one chunk and waits until the client has taken it when it pushes back. */
  async write(res: ServerResponse, chunk: Buffer): Promise<void> {
    this.#tookAll = res.write(chunk);
    if (!this.#tookAll) {
      const started = performance.now();
      await drained(res);
      this.#lagging = performance.now() - started > LAG_MS;
    } else this.#lagging = false;
    this.#size = this.#lagging ? MIN : Math.min(MAX, this.#size * 2);
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
