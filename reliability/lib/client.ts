// An HTTP client that reports what a careful real client would: status, a hash of the body,
// and whether the body is complete (no reset, no short read against Content-Length).
import { createHash } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';

export interface Fetched {
  status: number;
  headers: IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  complete: boolean;
  /** Set when the connection failed before a response. */
  error?: string;
  body?: Buffer;
}

export interface FetchOptions {
  method?: string;
  headers?: Record<string, string>;
  keepBody?: boolean;
  timeoutMs?: number;
}

export function fetch(url: string, o: FetchOptions = {}): Promise<Fetched> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (f: Fetched): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(f);
    };
    const req = request(
      url,
      { method: o.method ?? 'GET', headers: o.headers, agent: false },
      (res) => {
        const hash = createHash('sha256');
        const parts: Buffer[] = [];
        let bytes = 0;
        const done = (clean: boolean): void => {
          if (settled) return;
          const declared = res.headers['content-length'];
          const short =
            declared !== undefined &&
            o.method !== 'HEAD' &&
            res.statusCode !== 304 &&
            Number(declared) !== bytes;
          finish({
            status: res.statusCode ?? 0,
            headers: res.headers,
            bytes,
            sha256: hash.digest('hex'),
            complete: clean && !short,
            ...(o.keepBody ? { body: Buffer.concat(parts) } : {}),
          });
        };
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          hash.update(c);
          if (o.keepBody) parts.push(c);
        });
        res.on('end', () => done(res.complete));
        res.on('error', () => done(false));
        res.on('close', () => done(res.complete));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: 0, headers: {}, bytes: 0, sha256: '', complete: false, error: 'timeout' });
    }, o.timeoutMs ?? 30_000);
    req.on('error', (err) =>
      finish({ status: 0, headers: {}, bytes: 0, sha256: '', complete: false, error: err.message }),
    );
    req.end();
  });
}
