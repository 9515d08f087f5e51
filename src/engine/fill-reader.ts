// Streams a fill in progress to one client. Each client reads at its own pace: from the fill's
// in-memory window while it keeps up, from the spool file when it falls behind. So a slow
// client neither throttles the upstream nor the other clients.
import type { ServerResponse } from 'node:http';
import type { Fill } from './fill.js';
import { WritePacer } from './write-pacer.js';

/**
 * Writes bytes [start, end] (end inclusive, or to the end of the body) of the fill to res. The
 * caller holds a reader reference (Fill.tryAcquire) for the duration.
 */
export async function streamFill(
  fill: Fill,
  res: ServerResponse,
  start = 0,
  end?: number,
): Promise<number> {
  let pos = start;
  let sent = 0;
  const pacer = new WritePacer();
  try {
    for (;;) {
      if (res.destroyed) return sent;
      const stop = end === undefined ? fill.readable : Math.min(fill.readable, end + 1);
      if (pos < stop) {
        const buf = await fill.read(pos, Math.min(pacer.size, stop - pos));
        if (buf.length === 0) {
          await fill.progress();
          continue;
        }
        pos += buf.length;
        sent += buf.length;
        await pacer.write(res, buf);
        continue;
      }
      if (fill.error) {
        // Content-Length or chunked framing makes the cut detectable to the client.
        res.destroy();
        return sent;
      }
      if (fill.done && (end === undefined || pos > end || pos >= fill.received)) {
        res.end();
        return sent;
      }
      await fill.progress();
    }
  } catch {
    res.destroy();
    return sent;
  }
}
