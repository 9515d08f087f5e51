// Reads an upstream body in flowing mode: `onData` sees each chunk at once (in order, on the
// event loop), then `sink` handles it asynchronously, one chunk at a time, in order.
//
// Why not `for await`: with undici 6 and 7, a non-keep-alive response whose parser is paused
// under backpressure crashes the process with an uncatchable assertion when the peer closes
// the socket (nodejs/undici#5360, fixed only in later majors). Flowing mode keeps the parser
// running; we pause only past `highWater` queued bytes. Callers pass a small mark for
// keep-alive responses (which cannot hit the bug) and a large one for `Connection: close`.
import type { Readable } from 'node:stream';

export function consumeBody(
  body: Readable,
  highWater: number,
  onData: (chunk: Buffer) => void,
  sink: (chunk: Buffer) => Promise<void>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let queued = 0;
    let chain: Promise<void> = Promise.resolve();
    let failed = false;
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      body.destroy();
      reject(err);
    };
    // The body may have failed before anyone listened (e.g. reset while a file was opening).
    if (body.errored || (body.destroyed && !body.readableEnded)) {
      fail(body.errored ?? new Error('upstream body closed before its end'));
      return;
    }
    body.on('data', (chunk: Buffer) => {
      if (failed) return;
      try {
        onData(chunk);
      } catch (err) {
        fail(err);
        return;
      }
      queued += chunk.length;
      if (queued > highWater) body.pause();
      chain = chain
        .then(() => (failed ? undefined : sink(chunk)))
        .then(() => {
          queued -= chunk.length;
          if (body.isPaused() && queued <= highWater / 2) body.resume();
        }, fail);
    });
    body.once('end', () => void chain.then(() => (failed ? undefined : resolve())));
    body.once('error', fail);
    body.once('close', () => {
      if (!body.readableEnded) fail(new Error('upstream body closed before its end'));
    });
  });
}
