// The cache engine: lookup -> policy -> fill (single flight, tee) -> verify -> commit.
// It knows nothing of ecosystems: they hand it a Resource and a Scope.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TroveError, toTroveError } from '../errors.js';
import type { CacheIndex, IndexEntry } from '../index/cache-index.js';
import type { Metrics } from '../observability/metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Origin } from '../upstream/upstream-pool.js';
import { AccessBatcher } from './access-batcher.js';
import { Evictor } from './evictor.js';
import { Fill, type FillOutcome } from './fill.js';
import { streamFill } from './fill-reader.js';
import { FillCommitter, REASON } from './fill-committer.js';
import type { MemoryCache } from './memory-cache.js';
import { readBlob, serveEntry } from './serve-entry.js';
import { planBody, sendIfBodiless } from './respond.js';
import { adoptTwin } from './twins.js';
import type { CacheResult, Resource, ServeOutcome } from './types.js';

/** What the engine needs to know about the instance a request belongs to. */
export interface Scope {
  instance: string;
  ecosystem: string;
  upstream: Origin;
  offline: boolean;
  /** Status for a miss while offline (Go wants 404 so `,direct` takes over; most want 504). */
  offlineMissStatus: number;
  /** Writes an error in the ecosystem's protocol format. */
  sendError(res: ServerResponse, err: TroveError): void;
}

/** Bodies up to this size with a `verify` check are answered only once verified. */
const HOLD_FOR_VERIFY = 4 * 1024 * 1024;

type Lookup =
  | { kind: 'negative'; status: number; reason?: string | undefined }
  | { kind: 'offline'; error: TroveError }
  | { kind: 'hit'; entry: IndexEntry; result: CacheResult }
  | { kind: 'fill'; fill: Fill; stale: IndexEntry | undefined };

export type Loaded =
  | { kind: 'body'; body: Buffer; result: CacheResult; headers: Record<string, string> }
  | { kind: 'negative'; status: number; reason?: string | undefined };

export interface EngineDeps {
  blobs: BlobStore;
  index: CacheIndex;
  memory: MemoryCache;
  metrics: Metrics;
  log: Logger;
  maxSize: number | null;
  /** A fresh temp path on the same filesystem as the blob store's local staging area. */
  tempPath(): string;
  now?: () => number;
}

export class Engine {
  readonly #d: EngineDeps;
  readonly #fills = new Map<string, Fill>();
  readonly #now: () => number;
  readonly access: AccessBatcher;
  readonly evictor: Evictor;
  readonly #committer: FillCommitter;

  constructor(deps: EngineDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.access = new AccessBatcher(deps.index);
    this.evictor = new Evictor(
      deps.index,
      deps.blobs,
      deps.memory,
      deps.maxSize,
      deps.log,
      deps.metrics,
    );
    this.#committer = new FillCommitter(deps, this.evictor, this.#now);
  }

  /** Resolves when every fill in flight has finished (for graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.all([...this.#fills.values()].map((f) => f.settled));
    await this.access.flush();
  }

  async serve(
    req: IncomingMessage,
    res: ServerResponse,
    resource: Resource,
    scope: Scope,
  ): Promise<ServeOutcome> {
    const outcome = await this.#serve(req, res, resource, scope, 0).catch((err: unknown) => {
      const e = toTroveError(err);
      this.#d.log.error({ err: e, key: resource.key }, 'serve failed');
      return this.#error(res, scope, e);
    });
    this.#d.metrics.requests.inc({
      instance: scope.instance,
      ecosystem: scope.ecosystem,
      class: resource.class,
      result: outcome.result,
    });
    this.#d.metrics.bytesServed.inc(
      { instance: scope.instance, result: outcome.result },
      outcome.bytes,
    );
    this.access.count(scope.instance, outcome.result.toLowerCase());
    return outcome;
  }

  async #serve(
    req: IncomingMessage,
    res: ServerResponse,
    resource: Resource,
    scope: Scope,
    attempt: number,
  ): Promise<ServeOutcome> {
    const offline = scope.offline || resource.cacheOnly === true;
    if (resource.policy.mode === 'bypass' && !offline) {
      return this.#bypass(req, res, resource, scope);
    }
    const step = await this.#lookup(resource, scope);
    switch (step.kind) {
      case 'negative':
        return this.#negative(res, scope, step.status, step.reason);
      case 'offline':
        scope.sendError(res, step.error);
        return { result: 'OFFLINE', status: step.error.status, bytes: 0 };
      case 'hit':
        return this.#hit(req, res, step.entry, step.result, resource, scope, attempt);
      case 'fill':
        return this.#fromFill(req, res, step.fill, resource, scope, step.stale, attempt);
    }
  }

  /** What the cache has for a resource: a usable entry, a negative answer, or a fill to join. */
  async #lookup(resource: Resource, scope: Scope): Promise<Lookup> {
    const offline = scope.offline || resource.cacheOnly === true;
    const key = `${scope.instance}/${resource.key}`;
    const now = this.#now();
    let entry = await this.#d.index.get(key);
    if (entry?.status === 'negative') {
      if (offline || now - entry.fetchedAt < resource.policy.negativeTtl) {
        this.access.access(key, now, true);
        return { kind: 'negative', status: entry.upstreamStatus, reason: entry.headers[REASON] };
      }
      entry = undefined;
    }
    if (entry) {
      const fresh =
        offline ||
        resource.policy.mode === 'immutable' ||
        now - entry.fetchedAt < resource.policy.freshFor;
      const running = this.#fills.get(key);
      if (fresh || (running && resource.policy.busy === 'stale')) {
        return { kind: 'hit', entry, result: fresh ? 'HIT' : 'STALE' };
      }
      return {
        kind: 'fill',
        fill: running ?? this.#startFill(key, resource, scope, entry),
        stale: entry,
      };
    }
    const twin = await adoptTwin(this.#d.index, key, resource, scope.instance, now);
    if (twin) return { kind: 'hit', entry: twin, result: 'HIT' };
    if (offline) {
      const why = scope.offline ? 'offline mode' : 'cache-only request';
      const error = new TroveError('TROVE_ERR_OFFLINE_MISS', `${why}: not in the cache`, {
        status: scope.offlineMissStatus,
      });
      return { kind: 'offline', error };
    }
    const fill = this.#fills.get(key) ?? this.#startFill(key, resource, scope);
    return { kind: 'fill', fill, stale: undefined };
  }

  /**
   * A resource's whole body through the cache, for ecosystems that answer from metadata
   * (filtered version lists, checksum records). Meant for small objects.
   */
  async load(resource: Resource, scope: Scope, attempt = 0): Promise<Loaded> {
    const step = await this.#lookup(resource, scope);
    if (step.kind === 'negative') return step;
    if (step.kind === 'offline') throw step.error;
    let entry: IndexEntry | undefined;
    let result: CacheResult;
    if (step.kind === 'hit') {
      entry = step.entry;
      result = step.result;
    } else {
      const o = await step.fill.outcome;
      if (o.kind === 'negative') return { kind: 'negative', status: o.status, reason: o.reason };
      const err = o.kind === 'error' ? o.error : await step.fill.settled;
      if (err && !step.stale) throw err;
      entry = err ? step.stale : await this.#d.index.get(step.fill.key);
      result = err ? 'STALE' : o.kind === 'not-modified' ? 'REVALIDATED' : 'MISS';
    }
    const body = entry?.digest ? await readBlob(this.#d.blobs, this.#d.memory, entry.digest) : null;
    if (entry && body) {
      this.access.access(entry.key, this.#now(), true);
      return { kind: 'body', body, result, headers: entry.headers };
    }
    if (entry) await this.evictor.remove([entry.key], 'missing_blob');
    if (attempt >= 2) throw new TroveError('TROVE_ERR_STORAGE', `cannot load ${resource.key}`);
    return this.load(resource, scope, attempt + 1);
  }

  #startFill(key: string, resource: Resource, scope: Scope, stale?: IndexEntry): Fill {
    const fill = new Fill(key);
    this.#fills.set(key, fill);
    const m = this.#d.metrics;
    m.fillsInFlight.inc({ instance: scope.instance });
    const started = this.#now();
    const hooks = this.#committer.hooks(key, scope.instance, resource);
    const conditional =
      stale && (stale.etag || stale.lastModified)
        ? { etag: stale.etag, lastModified: stale.lastModified }
        : undefined;
    void fill.run(resource.origin ?? scope.upstream, resource, hooks, conditional);
    void fill.outcome.then((o) =>
      m.upstreamLatency.observe(
        { instance: scope.instance, outcome: o.kind },
        (this.#now() - started) / 1000,
      ),
    );
    void fill.settled.then((err) => {
      this.#fills.delete(key);
      fill.retire();
      m.fillsInFlight.dec({ instance: scope.instance });
      if (err) {
        m.upstreamErrors.inc({ instance: scope.instance, code: err.code });
        this.#d.log.warn({ key, code: err.code, msg: err.message }, 'fill failed; nothing cached');
      }
    });
    return fill;
  }

  async #fromFill(
    req: IncomingMessage,
    res: ServerResponse,
    fill: Fill,
    resource: Resource,
    scope: Scope,
    stale: IndexEntry | undefined,
    attempt: number,
  ): Promise<ServeOutcome> {
    const o: FillOutcome = await fill.outcome;
    switch (o.kind) {
      case 'body': {
        // A small body with a whole-object check is held until the check passes, so a refusal
        // reaches the client as a clear error rather than a cut stream.
        if (resource.verify && o.size !== null && o.size <= HOLD_FOR_VERIFY) {
          const err = await fill.settled;
          if (err) return this.#error(res, scope, err);
          // The fill is committed (and may be retired): serve the stored copy.
          const stored = await this.#d.index.get(fill.key);
          if (stored?.status === 'ok') {
            return this.#hit(
              req,
              res,
              stored,
              stale ? 'EXPIRED' : 'MISS',
              resource,
              scope,
              attempt,
            );
          }
          return this.#retry(req, res, resource, scope, attempt, 'entry vanished after a fill');
        }
        return this.#streamFill(req, res, fill, o, stale ? 'EXPIRED' : 'MISS');
      }
      case 'not-modified': {
        const fresh = await this.#d.index.get(fill.key);
        if (fresh?.status === 'ok')
          return this.#hit(req, res, fresh, 'REVALIDATED', resource, scope, attempt);
        return this.#retry(req, res, resource, scope, attempt, 'entry vanished after 304');
      }
      case 'negative':
        return this.#negative(res, scope, o.status, o.reason);
      case 'error':
        if (stale) return this.#hit(req, res, stale, 'STALE', resource, scope, attempt);
        return this.#error(res, scope, o.error);
    }
  }

  async #streamFill(
    req: IncomingMessage,
    res: ServerResponse,
    fill: Fill,
    o: Extract<FillOutcome, { kind: 'body' }>,
    result: CacheResult,
  ): Promise<ServeOutcome> {
    const plan = planBody(
      req,
      {
        headers: o.headers,
        size: o.size,
        etag: o.validators.etag,
        lastModified: o.validators.lastModified,
      },
      { 'x-cache': result },
    );
    if (sendIfBodiless(req, res, plan)) return { result, status: plan.status, bytes: 0 };
    if (plan.kind === 'none') throw new Error('unreachable');
    res.writeHead(plan.status, plan.headers);
    const bytes = await streamFill(fill, res, plan.start, plan.end);
    return { result, status: plan.status, bytes };
  }

  async #hit(
    req: IncomingMessage,
    res: ServerResponse,
    entry: IndexEntry,
    result: CacheResult,
    resource: Resource,
    scope: Scope,
    attempt: number,
  ): Promise<ServeOutcome> {
    this.access.access(entry.key, this.#now(), true);
    const served = await serveEntry(
      req,
      res,
      entry,
      result,
      this.#d.blobs,
      this.#d.memory,
      this.#now(),
    );
    if (served !== 'missing') return served;
    // The blob is gone (deleted by hand, or a crash between rename and fsync): refetch.
    await this.evictor.remove([entry.key], 'missing_blob');
    return this.#retry(req, res, resource, scope, attempt, 'blob missing');
  }

  #retry(
    req: IncomingMessage,
    res: ServerResponse,
    resource: Resource,
    scope: Scope,
    attempt: number,
    why: string,
  ): Promise<ServeOutcome> {
    if (attempt >= 2)
      throw new TroveError('TROVE_ERR_STORAGE', `cannot serve ${resource.key}: ${why}`);
    return this.#serve(req, res, resource, scope, attempt + 1);
  }

  #negative(res: ServerResponse, scope: Scope, status: number, reason?: string): ServeOutcome {
    const message = reason ? `not found upstream: ${reason}` : 'not found upstream';
    scope.sendError(res, new TroveError('TROVE_ERR_NOT_FOUND', message, { status }));
    return { result: 'NEGATIVE', status, bytes: 0 };
  }

  #error(res: ServerResponse, scope: Scope, err: TroveError): ServeOutcome {
    if (res.headersSent) res.destroy();
    else scope.sendError(res, err);
    return { result: 'ERROR', status: err.status, bytes: 0 };
  }

  /**
   * Not cached: the body still goes through a private fill (spooled, then discarded), so a slow
   * client never holds the upstream connection paused (see upstream/consume-body.ts).
   */
  async #bypass(
    req: IncomingMessage,
    res: ServerResponse,
    resource: Resource,
    scope: Scope,
  ): Promise<ServeOutcome> {
    const fill = new Fill(`bypass:${scope.instance}/${resource.key}`);
    void fill.run(
      resource.origin ?? scope.upstream,
      resource,
      this.#committer.discardHooks(scope.instance),
    );
    void fill.settled.then(() => fill.retire());
    const o = await fill.outcome;
    if (o.kind === 'body') return this.#streamFill(req, res, fill, o, 'BYPASS');
    if (o.kind === 'error') return this.#error(res, scope, o.error);
    const status = o.kind === 'negative' ? o.status : 502;
    scope.sendError(res, new TroveError('TROVE_ERR_NOT_FOUND', 'not found upstream', { status }));
    return { result: 'BYPASS', status, bytes: 0 };
  }
}
