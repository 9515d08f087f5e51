// Streams a fill in progress to one client. Each client reads the spool file at its own pace,
// so a slow client neither throttles the upstream nor the other clients.
import type { ServerResponse } from 'node:http';
import type { Fill } from './fill.js';

const CHUNK = 256 * 1024;

/** Writes bytes [start, end] (end inclusive, or to the end of the body) of the fill to res. */
export async function streamFill(
  fill: Fill,
  res: ServerResponse,
  start = 0,
  end?: number,
): Promise<number> {
  const fh = fill.acquire();
  let pos = start;
  let sent = 0;
  try {
    for (;;) {
      if (res.destroyed) return sent;
      const stop = end === undefined ? fill.readable : Math.min(fill.readable, end + 1);
      if (pos < stop) {
        const len = Math.min(CHUNK, stop - pos);
        const buf = Buffer.allocUnsafe(len);
        const { bytesRead } = await fh.read(buf, 0, len, pos);
        if (bytesRead === 0) {
          await fill.progress();
          continue;
        }
        pos += bytesRead;
        sent += bytesRead;
        if (!res.write(bytesRead === len ? buf : buf.subarray(0, bytesRead))) await drained(res);
        continue;
      }
      if (fill.error) {
        // Content-Length or chunked framing makes the cut detectable to the client.
        res.destroy();
        return sent;
      }
      if (fill.done && (end === undefined || pos > end || pos >= fill.written)) {
        res.end();
        return sent;
      }
      await fill.progress();
    }
  } finally {
    fill.release();
  }
}

function drained(res: ServerResponse): Promise<void> {
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
