// Streams a fill in progress to one client. Each client reads at its own pace: from the fill's
// in-memory window while it keeps up, from the spool file when it falls behind. So a slow
// client neither throttles the upstream nor the other clients.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TroveError } from '../errors.js';
import type { FillOutcome } from './fill.js';
import type { FillView } from './fill-view.js';
import { planBody, sendIfBodiless } from './respond.js';
import type { CacheResult, ServeOutcome } from './types.js';
import { WritePacer } from './write-pacer.js';

/**
 * Writes bytes [start, end] (end inclusive, or to the end of the body) of the fill to res. The
 * caller holds a reader reference (Fill.tryAcquire) for the duration.
 */
export async function streamFill(
  fill: FillView,
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

/**
 * Streams a fill to one client. A body of up to `hold` bytes is held until it is complete,
 * so that a failure is answered by `failed` (an error, or a stale copy) instead of a cut.
 */
export async function serveFill(
  req: IncomingMessage,
  res: ServerResponse,
  fill: FillView,
  o: Extract<FillOutcome, { kind: 'body' }>,
  result: CacheResult,
  hold: number,
  failed: (err: TroveError) => Promise<ServeOutcome> | ServeOutcome,
): Promise<ServeOutcome> {
  if (!fill.tryAcquire()) {
    return failed(fill.error ?? new TroveError('TROVE_ERR_INTERNAL', 'fill closed early'));
  }
  try {
    if (hold > 0 && (o.size === null || o.size <= hold)) {
      await fill.held(hold);
      if (fill.error) return await failed(fill.error);
    }
    // A body already complete has a known length, even when the upstream sent none.
    const size = o.size ?? (fill.done ? fill.received : null);
    const plan = planBody(
      req,
      {
        headers: o.headers,
        size,
        etag: o.validators.etag,
        lastModified: o.validators.lastModified,
      },
      { 'x-cache': result },
    );
    if (sendIfBodiless(req, res, plan)) return { result, status: plan.status, bytes: 0 };
    if (plan.kind === 'none' || plan.kind === 'multi') throw new Error('unreachable');
    res.writeHead(plan.status, plan.headers);
    const bytes = await streamFill(fill, res, plan.start, plan.end);
    return { result, status: plan.status, bytes };
  } finally {
    fill.release();
  }
}
