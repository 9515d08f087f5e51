// Trove's JSON log on stdout. One process buffers: one write per 4 KiB of lines (about twenty
// requests), on the event loop, flushed at least every 250 ms. Cluster workers share one stdout,
// where only writes below PIPE_BUF (4096 bytes) are atomic, so they write each line at once.
import { destination, pino, type Logger } from 'pino';

export interface StdoutLogger {
  logger: Logger;
  /** Flushes what is buffered and stops the flush timer. */
  close(): void;
}

export function stdoutLogger(level: string, opts: { atomicLines: boolean }): StdoutLogger {
  const dest = destination({ dest: 1, sync: true, minLength: opts.atomicLines ? 0 : 4096 });
  // A log reader that went away (EPIPE) must never stop Trove from serving or shutting down.
  dest.on('error', () => undefined);
  // flush(), not flushSync(): in sync mode it writes at once too, but flushSync retries a broken
  // pipe forever and would hang shutdown.
  const flushNow = (): void => {
    try {
      dest.flush();
    } catch {
      // stdout is gone; nothing more can be said there
    }
  };
  const flusher = setInterval(flushNow, 250);
  flusher.unref();
  // Lines logged after close (the CLI's last words before process.exit) still reach stdout.
  process.once('exit', flushNow);
  const logger = pino({ level, base: { pid: process.pid } }, dest);
  return {
    logger,
    close() {
      clearInterval(flusher);
      flushNow();
    },
  };
}
