// An instance's ordered upstream list over one undici Agent: failover on connect errors and
// 5xx, server-side redirects (Authorization never crosses hosts), idle-based body timeouts.
import { request, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { TroveError } from '../errors.js';
import { isConnectFailure, transportError } from './errors.js';
import { directoryBase, underBase, upstreamChosen } from './upstream-url.js';

/**
 * When to move on to the next upstream after this one:
 * - `unavailable` (mirrors): connect failures and 5xx;
 * - `not-found` (GOPROXY `,`): only a 404 or 410 answer;
 * - `any-error` (GOPROXY `|`): any failure or non-200 answer.
 */
export type Fallthrough = 'unavailable' | 'not-found' | 'any-error';

/** The one thing the engine asks of an origin: a response for a path. */
export interface Origin {
  fetch(path: string, init?: FetchInit): Promise<UpstreamResponse>;
}

export interface UpstreamTarget {
  url: string;
  fallthrough?: Fallthrough;
  headers?: Record<string, string>;
  /** Full Authorization header value for this upstream's host. */
  authorization?: string;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: Readable;
  /** Final URL after redirects. */
  url: string;
  /** Which configured upstream answered (index into the list). */
  upstream: number;
}

export interface FetchInit {
  method?: 'GET' | 'HEAD' | 'POST';
  body?: string | Buffer;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** 'manual' answers a redirect as it is instead of following it. */
  redirect?: 'follow' | 'manual';
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/**
 * Sent unless an upstream's headers or the request set their own: registries answer requests
 * without one, or with a generic one, by refusing them (rust-lang/crates.io#14219).
 */
const USER_AGENT = 'trove/0.1 (caching proxy)';

export class UpstreamPool implements Origin {
  readonly targets: readonly UpstreamTarget[];
  readonly #bases: readonly URL[];
  readonly #dispatcher: Dispatcher;
  readonly #maxRedirects: number;

  constructor(targets: UpstreamTarget[], dispatcher: Dispatcher, maxRedirects = 5) {
    this.#bases = targets.map((t) => directoryBase(t.url));
    this.targets = targets.map((t, i) => ({ ...t, url: (this.#bases[i] as URL).href }));
    this.#dispatcher = dispatcher;
    this.#maxRedirects = maxRedirects;
  }

  /**
   * Fetches `path` (relative, no leading slash) from the upstreams in order, moving on as each
   * target's `fallthrough` allows. The last answer is returned even when it is an error status.
   */
  fetch(path: string, init: FetchInit = {}): Promise<UpstreamResponse> {
    return chainFetch(
      this.targets.map((t, n) => ({
        fallthrough: t.fallthrough ?? 'unavailable',
        // Appended, never resolved: the path cannot name another scheme, host or base path.
        fetch: (p: string, i: FetchInit) => this.#follow(t, underBase(this.#bases[n] as URL, p), i),
      })),
      path,
      init,
    );
  }

  async #follow(
    target: UpstreamTarget,
    start: URL,
    init: FetchInit,
  ): Promise<Omit<UpstreamResponse, 'upstream'>> {
    const origin = new URL(target.url).origin;
    let url = start;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {
        'user-agent': USER_AGENT,
        ...target.headers,
        ...init.headers,
      };
      // Credentials go only to the configured upstream's own origin: a redirect to another
      // host (a CDN, an S3 bucket) gets none, whether configured or passed per request.
      if (url.origin !== origin) delete headers['authorization'];
      else if (target.authorization) headers['authorization'] = target.authorization;
      const res = await request(url, {
        dispatcher: this.#dispatcher,
        method: init.method ?? 'GET',
        headers,
        ...(init.body !== undefined ? { body: init.body } : {}),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      // Consumers see body errors through iteration; this keeps a late socket error (after a
      // consumer stopped reading) from becoming an uncaught exception.
      res.body.on('error', () => undefined);
      const location = res.headers['location'];
      if (
        REDIRECTS.has(res.statusCode) &&
        typeof location === 'string' &&
        init.redirect !== 'manual'
      ) {
        res.body.resume();
        if (hop >= this.#maxRedirects) {
          throw new TroveError(
            'TROVE_ERR_UPSTREAM_STATUS',
            `too many redirects from ${start.origin}`,
          );
        }
        url = upstreamChosen(location, url, 'redirect');
        continue;
      }
      return {
        status: res.statusCode,
        headers: flattenHeaders(res.headers),
        body: res.body,
        url: url.toString(),
      };
    }
  }
}

export interface ChainLink {
  fallthrough: Fallthrough;
  fetch(path: string, init: FetchInit): Promise<Omit<UpstreamResponse, 'upstream'>>;
}

/**
 * Asks the links in order, moving on as each link's `fallthrough` allows. The last answer is
 * returned even when it is an error status.
 */
export async function chainFetch(
  links: readonly ChainLink[],
  path: string,
  init: FetchInit,
): Promise<UpstreamResponse> {
  if (links.length === 0) {
    throw new TroveError('TROVE_ERR_UPSTREAM_CONNECT', 'no upstream is configured');
  }
  let lastError: unknown;
  for (const [i, link] of links.entries()) {
    const last = i === links.length - 1;
    try {
      const res = await link.fetch(path, init);
      if (!last && movesOn(link.fallthrough, res.status)) {
        res.body.resume();
        lastError = new TroveError(
          'TROVE_ERR_UPSTREAM_STATUS',
          `upstream ${i} answered ${res.status}`,
        );
        continue;
      }
      return { ...res, upstream: i };
    } catch (err) {
      lastError = err;
      const mode = link.fallthrough;
      const next = mode === 'any-error' || (mode === 'unavailable' && isConnectFailure(err));
      if (last || !next) break;
    }
  }
  throw transportError(lastError, 'upstream request failed');
}

function movesOn(mode: Fallthrough, status: number): boolean {
  if (status === 200 || status === 206 || status === 304) return false;
  if (mode === 'any-error') return true;
  if (mode === 'not-found') return status === 404 || status === 410;
  return status >= 500;
}

function flattenHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}
