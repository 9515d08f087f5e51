// Rate limits of the registries Trove pulls from with its own identity. Docker Hub counts
// manifest GETs and reports `ratelimit-limit: 100;w=21600` and `ratelimit-remaining: 76;w=21600`;
// those are kept as gauges per registry. A 429 starts a back-off of `Retry-After` (a minute
// when absent): until it ends, requests are answered 429 here without reaching the registry
// (cached copies are served stale, as for any upstream error), and it is logged once.
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { FetchInit, Origin, UpstreamResponse } from '../../upstream/upstream-pool.js';
import type { UpstreamLimit } from '../ecosystem.js';

const DEFAULT_BACKOFF = 60_000;
const MAX_BACKOFF = 6 * 60 * 60_000;

/** The count before `;` of a ratelimit header, or null. */
function countOf(v: string | undefined): number | null {
  const n = Number((v ?? '').split(';')[0]?.trim());
  return v !== undefined && Number.isFinite(n) && n >= 0 ? n : null;
}

/** Retry-After as milliseconds from now (seconds or an HTTP date), bounded. */
export function retryAfter(v: string | undefined, now: number): number {
  if (!v) return DEFAULT_BACKOFF;
  const secs = Number(v);
  const ms = Number.isFinite(secs) ? secs * 1000 : Date.parse(v) - now;
  if (!Number.isFinite(ms) || ms <= 0) return DEFAULT_BACKOFF;
  return Math.min(ms, MAX_BACKOFF);
}

export class RateLimits {
  readonly #states = new Map<
    string,
    { limit: number | null; remaining: number | null; until: number }
  >();
  readonly #log: Logger;
  readonly #now: () => number;

  constructor(log: Logger, now: () => number = Date.now) {
    this.#log = log;
    this.#now = now;
  }

  /** The registry's origin, watched and held back while it rate-limits. */
  wrap(registry: string, inner: Origin): Origin {
    return {
      fetch: async (path: string, init?: FetchInit): Promise<UpstreamResponse> => {
        const now = this.#now();
        const state = this.#states.get(registry);
        if (state && state.until > now) return held(state.until - now, path);
        const res = await inner.fetch(path, init);
        this.#observe(registry, res);
        return res;
      },
    };
  }

  states(): UpstreamLimit[] {
    const now = this.#now();
    return [...this.#states].map(([registry, s]) => ({
      registry,
      limit: s.limit,
      remaining: s.remaining,
      backoff: Math.max(0, Math.ceil((s.until - now) / 1000)),
    }));
  }

  #observe(registry: string, res: UpstreamResponse): void {
    const limit = countOf(res.headers['ratelimit-limit']);
    const remaining = countOf(res.headers['ratelimit-remaining']);
    const before = this.#states.get(registry);
    if (limit === null && remaining === null && res.status !== 429 && !before) return;
    const state = before ?? { limit: null, remaining: null, until: 0 };
    if (limit !== null) state.limit = limit;
    if (remaining !== null) state.remaining = remaining;
    if (res.status === 429) {
      const wait = retryAfter(res.headers['retry-after'], this.#now());
      state.until = this.#now() + wait;
      this.#log.warn(
        { registry, seconds: Math.ceil(wait / 1000), remaining: state.remaining },
        'registry is rate-limiting: no requests to it until the back-off ends',
      );
    }
    this.#states.set(registry, state);
  }
}

/** A 429 answered here, while a registry's back-off lasts. */
function held(ms: number, path: string): UpstreamResponse {
  return {
    status: 429,
    headers: { 'retry-after': String(Math.ceil(ms / 1000)) },
    body: Readable.from([]),
    url: path,
    upstream: 0,
  };
}
