// Prefetch's HTTP side: requests to a running Trove, as a client would make them, with retries
// for what may pass (a 5xx, a 429, a reset) and a clear reason for what will not (a 404, a 403).
import { request } from 'undici';
import { sleep } from '../util/sleep.js';

export class PrefetchError extends Error {}

export interface Warmed {
  /** Files asked for. */
  files: number;
  /** Of those, how many Trove had to fetch (not a HIT). */
  fetched: number;
  bytes: number;
}

export interface ClientOptions {
  /** The Trove's origin: the only one asked, so its credentials go nowhere else. */
  origin: string;
  /** An Authorization header value, from the URL's user info or a token. */
  authorization?: string | undefined;
  retries: number;
  /** ms before the first retry; doubled each time. */
  backoffMs?: number | undefined;
}

/** Metadata a planner reads is kept in memory, up to this size. */
const MAX_BODY = 64 * 1024 * 1024;
const RETRYABLE = new Set([429, 500, 502, 503, 504]);

export class TroveClient {
  readonly #o: ClientOptions;
  constructor(o: ClientOptions) {
    this.#o = o;
  }

  /** GETs a document (a packument, an index page, a manifest) and returns its body. */
  async read(url: string, accept?: string): Promise<{ body: Buffer; cache: string; type: string }> {
    return this.#retrying(url, async () => {
      const res = await this.#send('GET', url, accept);
      const parts: Buffer[] = [];
      let size = 0;
      for await (const c of res.body as AsyncIterable<Buffer>) {
        size += c.length;
        if (size > MAX_BODY) throw new PrefetchError(`${url}: larger than ${MAX_BODY} bytes`);
        parts.push(c);
      }
      return {
        body: Buffer.concat(parts),
        cache: header(res.headers, 'x-cache'),
        type: header(res.headers, 'content-type'),
      };
    });
  }

  /** Makes sure Trove holds a file: a HEAD says whether it is cached; if not, a GET fills it. */
  async warm(url: string, accept?: string): Promise<Warmed> {
    return this.#retrying(url, async () => {
      // A HEAD answers whether it is cached; any other answer is left to the GET to explain.
      const head = await request(url, {
        method: 'HEAD',
        headers: this.#headers(accept),
        maxRedirections: 3,
      });
      await head.body.dump();
      if (head.statusCode === 200 && header(head.headers, 'x-cache') === 'HIT') {
        return { files: 1, fetched: 0, bytes: 0 };
      }
      // Not cached when asked (the HEAD may have started the fill): the GET makes sure of it.
      const res = await this.#send('GET', url, accept);
      let bytes = 0;
      for await (const c of res.body as AsyncIterable<Buffer>) bytes += c.length;
      return { files: 1, fetched: 1, bytes };
    });
  }

  #headers(accept?: string): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': 'trove-prefetch' };
    if (accept) headers['accept'] = accept;
    if (this.#o.authorization) headers['authorization'] = this.#o.authorization;
    return headers;
  }

  /** A GET that answered 200, or an error with the status, Trove's error code and message. */
  async #send(method: 'GET', url: string, accept?: string) {
    const res = await request(url, { method, headers: this.#headers(accept), maxRedirections: 3 });
    if (res.statusCode === 200) return res;
    const text = (await res.body.text()).split('\n')[0]?.slice(0, 300);
    const code = header(res.headers, 'x-trove-error');
    const why = `${res.statusCode}${code ? ` ${code}` : ''}${text ? `: ${text}` : ''}`;
    const err = new PrefetchError(`${url}: ${why}`);
    (err as { retry?: boolean }).retry = RETRYABLE.has(res.statusCode);
    throw err;
  }

  async #retrying<T>(url: string, attempt: () => Promise<T>): Promise<T> {
    if (new URL(url).origin !== this.#o.origin) {
      // A packument or page naming another host: never sent there, with or without credentials.
      throw new PrefetchError(`${url}: not on ${this.#o.origin}, so not asked`);
    }
    let wait = this.#o.backoffMs ?? 500;
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (err) {
        const retry = err instanceof PrefetchError ? (err as { retry?: boolean }).retry : true;
        if (!retry || i >= this.#o.retries) {
          throw err instanceof PrefetchError
            ? err
            : new PrefetchError(`${url}: ${(err as Error).message}`);
        }
        await sleep(wait);
        wait *= 2;
      }
    }
  }
}

function header(h: Record<string, string | string[] | undefined>, name: string): string {
  const v = h[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** Adds two results. */
export const plus = (a: Warmed, b: Warmed): Warmed => ({
  files: a.files + b.files,
  fetched: a.fetched + b.fetched,
  bytes: a.bytes + b.bytes,
});
export const NOTHING: Warmed = { files: 0, fetched: 0, bytes: 0 };
