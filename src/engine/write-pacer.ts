// How much to read for a client next, and whether to read ahead. Large reads cost fewer
// syscalls and event-loop turns for a client that keeps up (each write goes straight to the
// socket); as soon as a write has to wait, reads drop back to 64 KiB with nothing read ahead,
// so a client that stalls pins at most about one small chunk of Trove's memory.
import type { ServerResponse } from 'node:http';

const MIN = 64 * 1024;
const MAX = 1024 * 1024;

export class WritePacer {
  #size = MIN;
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
    this.#size = this.#tookAll ? Math.min(MAX, this.#size * 2) : MIN;
    if (!this.#tookAll) await drained(res);
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
