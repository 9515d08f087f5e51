// A plain node:http client that reports what a real client would see, including cut bodies.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface Got {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body ended cleanly (no reset, no short read against Content-Length). */
  complete: boolean;
  /** ms from request start to the first body byte (or headers when there is no body). */
  ttfb: number;
}

export function get(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    abortAfterBytes?: number;
    /** Called when the first body byte arrives. */
    onFirstByte?: () => void;
    /** For https URLs: the CA that signed the server's certificate. */
    ca?: string | undefined;
  } = {},
): Promise<Got> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(
      url,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false, ca: opts.ca },
      (res) => {
        const parts: Buffer[] = [];
        let ttfb = -1;
        let received = 0;
        let settled = false;
        const done = (complete: boolean): void => {
          if (settled) return;
          settled = true;
          const body = Buffer.concat(parts);
          const declared = res.headers['content-length'];
          const short =
            declared !== undefined &&
            opts.method !== 'HEAD' &&
            res.statusCode !== 304 &&
            Number(declared) !== body.length;
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            complete: complete && !short,
            ttfb: ttfb < 0 ? performance.now() - started : ttfb,
          });
        };
        res.on('data', (c: Buffer) => {
          if (ttfb < 0) {
            ttfb = performance.now() - started;
            opts.onFirstByte?.();
          }
          parts.push(c);
          received += c.length;
          if (opts.abortAfterBytes !== undefined && received >= opts.abortAfterBytes) {
            req.destroy();
            done(false);
          }
        });
        res.on('end', () => done(res.complete));
        res.on('error', () => done(false));
        res.on('aborted', () => done(false));
        res.on('close', () => done(res.complete));
      },
    );
    // A reset before the response (e.g. a fill failing before its first byte) is a cut, not a throw.
    req.on('error', (err) => {
      if (/socket hang up|ECONNRESET/.test(err.message)) {
        resolve({
          status: 0,
          headers: {},
          body: Buffer.alloc(0),
          complete: false,
          ttfb: performance.now() - started,
        });
      } else reject(err);
    });
    req.end();
  });
}

/**
 * Polls `url` every 100 ms, for at most `ms`, until it answers exactly `want`: a repository
 * refresh has published the set an upstream just wrote.
 */
export async function untilServed(url: string, want: Buffer | string, ms = 10_000): Promise<void> {
  const body = Buffer.from(want);
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if ((await get(url)).body.equals(body)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} never answered the expected body within ${ms} ms`);
}
