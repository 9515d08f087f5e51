// The cache engine: lookup -> policy -> fill (single flight, tee) -> verify -> commit.
// It knows nothing of ecosystems: they hand it a Resource and a Scope.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { TroveError, toTroveError } from '../errors.js';
import type { CacheIndex, IndexEntry } from '../index/cache-index.js';
import type { Metrics } from '../observability/metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import { AccessBatcher } from './access-batcher.js';
import { Evictor } from './evictor.js';
import { redirectHit, type RedirectPolicy } from './redirect-hit.js';
import { Fill, type FillOutcome } from './fill.js';
import { LocalLeases, type FillLeases } from './fill-leases.js';
import type { FillView } from './fill-view.js';
import { serveFill } from './fill-reader.js';
import { FillCommitter, REASON } from './fill-committer.js';
import type { MemoryCache } from './memory-cache.js';
import { readBlob, serveEntry } from './serve-entry.js';
import { SpaceReserver } from './space-reserver.js';
import { VerifiedBlobs, type VerifyHits } from './verified-blobs.js';
import { adoptTwin } from './twins.js';
import { fetchDeniedError, fetchForbidden } from './fetch-guard.js';
import { isOffline, type Scope } from './scope.js';
import type { CacheResult, Loaded, Opened, Resource, ServeOutcome } from './types.js';

export type { Scope } from './scope.js';
export type { Loaded, Opened } from './types.js';

/**
 * Bodies up to this size are held until complete when a failure could still be answered
 * cleanly: with a whole-object `verify` check or small digest-checked metadata (a refusal is an
 * error, not a cut stream), and for a refresh with a stale copy (a refresh that breaks mid-body
 * serves the stale copy).
 */
const HOLD = 4 * 1024 * 1024;

type Lookup =
  | { kind: 'negative'; status: number; reason?: string | undefined }
  | { kind: 'offline'; error: TroveError }
  | { kind: 'hit'; entry: IndexEntry; result: CacheResult }
  | { kind: 'fill'; fill: FillView; stale: IndexEntry | undefined };

export interface EngineDeps {
  blobs: BlobStore;
  index: CacheIndex;
  memory: MemoryCache;
  metrics: Metrics;
  log: Logger;
  maxSize: number | null;
  /** How long an unreferenced blob stays before it is deleted (ms, default 0). */
  deleteGraceMs?: number;
  /** Large hits redirected to the blob store (a presigned bucket URL); none by default. */
  redirect?: RedirectPolicy;
  /** Which whole-body hits are hashed against their digest (default `changed`). */
  verifyHits?: VerifyHits;
  /** A fresh temp path on the same filesystem as the blob store's local staging area. */
  tempPath(): string;
  /** Who fills a key when several processes share the cache (default: this one, always). */
  leases?: FillLeases;
  now?: () => number;
}

export class Engine {
  readonly #d: EngineDeps;
  readonly #fills = new Map<string, FillView>();
  /** Claims in flight, so concurrent misses in this process ask the leases once. */
  readonly #claiming = new Map<string, Promise<Lookup>>();
  readonly #leases: FillLeases;
  readonly #now: () => number;
  readonly access: AccessBatcher;
  readonly evictor: Evictor;
  readonly #committer: FillCommitter;
  readonly #verified: VerifiedBlobs;

  constructor(deps: EngineDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    this.#leases = deps.leases ?? new LocalLeases();
    this.#verified = new VerifiedBlobs(deps.verifyHits ?? 'changed', this.#now);
    const m = deps.metrics;
    this.access = new AccessBatcher(deps.index, {
      onBacklog: (n) => m.bookkeepingBacklog.set(n),
      onDropped: (n) => m.bookkeepingDropped.inc(n),
      onError: (err) =>
        deps.log.warn({ err }, 'hit bookkeeping not written; kept for the next try'),
    });
    this.evictor = new Evictor(deps);
    this.#committer = new FillCommitter(
      deps,
      this.evictor,
      this.#now,
      new SpaceReserver(() => deps.blobs.free()),
    );
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
    const offline = isOffline(resource, scope);
    if (resource.policy.mode === 'bypass' && !offline) {
      return this.#bypass(req, res, resource, scope);
    }
    let step: Lookup;
    try {
      step = await this.#lookup(resource, scope);
    } catch (err) {
      // The index cannot say what is cached: pass the request through rather than fail it.
      const e = toTroveError(err);
      if (e.code !== 'TROVE_ERR_INDEX' && e.code !== 'TROVE_ERR_STORAGE_FULL') throw e;
      if (offline) return this.#error(res, scope, e);
      this.#d.log.warn(
        { key: resource.key, msg: e.message },
        'index lookup failed; passing through',
      );
      return this.#bypass(req, res, resource, scope);
    }
    switch (step.kind) {
      case 'negative':
        return this.#negative(res, scope, step.status, step.reason);
      case 'offline':
        res.setHeader('x-cache', 'OFFLINE');
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
    const offline = isOffline(resource, scope);
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
        fetchForbidden() ||
        resource.policy.mode === 'immutable' ||
        now - entry.fetchedAt < resource.policy.freshFor;
      const running = this.#fills.get(key);
      if (fresh || (running && resource.policy.busy === 'stale')) {
        return { kind: 'hit', entry, result: fresh ? 'HIT' : 'STALE' };
      }
      if (running) return { kind: 'fill', fill: running, stale: entry };
      return this.#claim(key, resource, scope, entry);
    }
    const twin = await adoptTwin(this.#d.index, key, resource, scope.instance, now);
    if (twin) return { kind: 'hit', entry: twin, result: 'HIT' };
    if (offline && !scope.offline && resource.cacheOnly !== true) {
      // Cached-only by the access rules: a fill someone else started may be joined.
      const running = this.#fills.get(key);
      if (running) return { kind: 'fill', fill: running, stale: undefined };
      return { kind: 'offline', error: fetchDeniedError() };
    }
    if (offline) {
      const why = scope.offline ? 'offline mode' : 'cache-only request';
      const error = new TroveError('TROVE_ERR_OFFLINE_MISS', `${why}: not in the cache`, {
        status: scope.offlineMissStatus,
      });
      return { kind: 'offline', error };
    }
    const running = this.#fills.get(key);
    if (running) return { kind: 'fill', fill: running, stale: undefined };
    // Derived from the cache for a client that may not fetch: made for it alone, never kept
    // (another client's copy may need fetches this one could not make).
    if (fetchForbidden()) {
      return { kind: 'fill', fill: this.#privateFill(resource, scope), stale: undefined };
    }
    return this.#claim(key, resource, scope);
  }

  #claim(key: string, resource: Resource, scope: Scope, stale?: IndexEntry): Promise<Lookup> {
    const pending = this.#claiming.get(key);
    if (pending) return pending;
    const claimed = this.#claimFill(key, resource, scope, stale).finally(() =>
      this.#claiming.delete(key),
    );
    this.#claiming.set(key, claimed);
    return claimed;
  }

  /**
   * The fill of `key` running in this process or, through the leases, in another process on
   * this machine; null when there is none. Nothing is started: another replica streams it.
   */
  async liveFill(key: string): Promise<FillView | null> {
    // Claimed a moment ago (the lease is taken, the fill not started yet): wait for the start.
    await this.#claiming.get(key)?.catch(() => undefined);
    const running = this.#fills.get(key);
    if (running) return running;
    const fill = (await this.#leases.joinOnly?.(key)) ?? null;
    if (fill) this.#adopt(key, fill);
    return fill;
  }

  #adopt(key: string, fill: FillView): void {
    this.#fills.set(key, fill);
    void fill.settled.then(() => {
      if (this.#fills.get(key) === fill) this.#fills.delete(key);
      fill.retire();
    });
  }

  /** Starts this key's fill, or joins the one another process runs. */
  async #claimFill(
    key: string,
    resource: Resource,
    scope: Scope,
    stale?: IndexEntry,
  ): Promise<Lookup> {
    const claim = await this.#leases.claim(key);
    if (claim.kind === 'join') {
      this.#adopt(key, claim.fill);
      return { kind: 'fill', fill: claim.fill, stale };
    }
    if (claim.recheck) {
      // Committed by another process since this one looked: use that, do not fetch again.
      const now = await this.#d.index.get(key).catch(() => undefined);
      if (now && now.fetchedAt > (stale?.fetchedAt ?? Number.NEGATIVE_INFINITY)) {
        claim.abandon();
        if (now.status === 'negative') {
          return { kind: 'negative', status: now.upstreamStatus, reason: now.headers[REASON] };
        }
        return { kind: 'hit', entry: now, result: 'HIT' };
      }
    }
    const fill = this.#startFill(key, resource, scope, stale);
    claim.publish(fill);
    return { kind: 'fill', fill, stale };
  }

  /**
   * A resource's whole body through the cache, for ecosystems that answer from metadata
   * (filtered version lists, checksum records). Meant for small objects.
   */
  async load(resource: Resource, scope: Scope, attempt = 0): Promise<Loaded> {
    let step: Lookup;
    try {
      step = await this.#lookup(resource, scope);
    } catch (err) {
      if (toTroveError(err).code !== 'TROVE_ERR_INDEX' || scope.offline) throw err;
      step = { kind: 'fill', fill: this.#privateFill(resource, scope), stale: undefined };
    }
    if (step.kind === 'negative') return step;
    if (step.kind === 'offline') throw step.error;
    if (step.kind === 'fill') {
      const o = await step.fill.outcome;
      if (o.kind === 'negative') return { kind: 'negative', status: o.status, reason: o.reason };
      if (o.kind === 'body') {
        const got = await step.fill.wholeBody().catch((e: unknown) => toTroveError(e));
        if (Buffer.isBuffer(got)) {
          return {
            kind: 'body',
            body: got,
            result: step.stale ? 'EXPIRED' : 'MISS',
            headers: o.headers,
          };
        }
        // Retired between the lookup and now: it is complete, so the index has it (or refetch).
        if (step.fill.done && !step.fill.error && attempt < 2) {
          return this.load(resource, scope, attempt + 1);
        }
        if (!step.stale) throw got;
      } else if (o.kind === 'error' && !step.stale) throw o.error;
    }
    const entry = step.kind === 'hit' ? step.entry : step.stale;
    const result: CacheResult =
      step.kind === 'hit'
        ? step.result
        : step.fill.error || step.fill.uncommitted
          ? 'STALE'
          : 'REVALIDATED';
    const limit = this.#d.memory.limit(resource.class);
    const body = entry?.digest
      ? await readBlob(this.#d.blobs, this.#d.memory, entry, limit)
      : 'missing';
    if (entry && Buffer.isBuffer(body)) {
      this.access.access(entry.key, this.#now(), true);
      return { kind: 'body', body, result, headers: entry.headers };
    }
    if (entry && body === 'corrupt') this.#corrupt(entry, 'size or sha256 mismatch on load');
    if (entry) await this.#forget(entry, body === 'corrupt' ? 'corrupt' : 'missing_blob');
    if (attempt >= 2) throw new TroveError('TROVE_ERR_STORAGE', `cannot load ${resource.key}`);
    return this.load(resource, scope, attempt + 1);
  }

  /**
   * A resource's committed body through the cache, opened for positional reads: for sources
   * too big to load (a packument rewritten into what clients get). Waits for a fill to commit.
   */
  async open(resource: Resource, scope: Scope, attempt = 0): Promise<Opened> {
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
      // Read back what the fill stored (not through the policy: it is as fresh as can be).
      const stored = err ? undefined : await this.#d.index.get(step.fill.key);
      entry = stored?.status === 'ok' ? stored : step.stale;
      result = err ? 'STALE' : step.stale ? 'REVALIDATED' : 'MISS';
      if (!entry) throw new TroveError('TROVE_ERR_STORAGE', `${resource.key} was not stored`);
    }
    const reader = entry.digest ? await this.#d.blobs.open(entry.digest) : undefined;
    if (reader && reader.size === entry.size && entry.digest) {
      this.access.access(entry.key, this.#now(), true);
      const { digest, size, headers } = entry;
      const close = (): Promise<void> => reader.close();
      const found = entry;
      const damaged = async (): Promise<void> => {
        this.#corrupt(found, 'sha256 mismatch on a piecewise read');
        await this.#forget(found, 'corrupt');
      };
      const read = reader.read.bind(reader);
      return { kind: 'body', digest, size, headers, result, read, close, damaged };
    }
    await reader?.close();
    if (reader) this.#corrupt(entry, 'size mismatch on open');
    await this.#forget(entry, reader ? 'corrupt' : 'missing_blob');
    if (attempt >= 2) throw new TroveError('TROVE_ERR_STORAGE', `cannot open ${resource.key}`);
    return this.open(resource, scope, attempt + 1);
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
      m.upstreamOutcome(scope.instance, o.kind, (this.#now() - started) / 1000),
    );
    void fill.settled.then((err) => {
      this.#fills.delete(key);
      fill.retire();
      m.fillsInFlight.dec({ instance: scope.instance });
      if (err) {
        m.fillFailed(scope.instance, err.code);
        this.#d.log.warn({ key, code: err.code, msg: err.message }, 'fill failed; nothing cached');
      }
      const lost = fill.uncommitted;
      if (lost) {
        m.uncommitted.inc({ instance: scope.instance, code: lost.code });
        const trouble = lost.code !== 'TROVE_ERR_UPSTREAM_BODY';
        this.#d.log[trouble ? 'error' : 'warn'](
          { key, code: lost.code, msg: lost.message },
          'served the upstream answer but did not cache it',
        );
      }
    });
    return fill;
  }

  /** A fill of its own that caches nothing (bypass, or an index that cannot be asked). */
  #privateFill(resource: Resource, scope: Scope): Fill {
    const fill = new Fill(`bypass:${scope.instance}/${resource.key}`);
    void fill.run(
      resource.origin ?? scope.upstream,
      resource,
      this.#committer.discardHooks(scope.instance),
    );
    void fill.settled.then(() => fill.retire());
    return fill;
  }

  async #fromFill(
    req: IncomingMessage,
    res: ServerResponse,
    fill: FillView,
    resource: Resource,
    scope: Scope,
    stale: IndexEntry | undefined,
    attempt: number,
  ): Promise<ServeOutcome> {
    const o: FillOutcome = await fill.outcome;
    switch (o.kind) {
      case 'body': {
        // Small metadata with a digest to match (a manifest by digest) is held too: a refusal
        // then reaches the client as the protocol's error, not as a cut.
        const checked =
          resource.holdUntilVerified === true ||
          (resource.class === 'metadata' && (resource.expect?.digests?.length ?? 0) > 0);
        const hold = resource.verify || stale || checked ? HOLD : 0;
        const failed = (err: TroveError): Promise<ServeOutcome> | ServeOutcome => {
          // Retired between the lookup and now (complete, so the index has it): look again.
          if (fill.done && !fill.error) {
            return this.#retry(req, res, resource, scope, attempt, 'fill retired');
          }
          return stale
            ? this.#hit(req, res, stale, 'STALE', resource, scope, attempt)
            : this.#error(res, scope, err);
        };
        return serveFill(req, res, fill, o, stale ? 'EXPIRED' : 'MISS', hold, failed);
      }
      case 'not-modified': {
        // The stale copy is current; if the index cannot be read back, it is still that copy.
        const fresh = await this.#d.index.get(fill.key).catch(() => stale);
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
    const redirected = await redirectHit(
      req,
      res,
      entry,
      result,
      resource,
      this.#d.blobs,
      this.#d.redirect,
    );
    if (redirected) return redirected;
    const served = await serveEntry(req, res, entry, result, {
      blobs: this.#d.blobs,
      memory: this.#d.memory,
      now: this.#now(),
      memoryLimit: this.#d.memory.limit(resource.class),
      verified: this.#verified,
    });
    if (served.kind === 'served' && served.damaged) {
      this.#corrupt(entry, served.damaged);
      await this.#forget(entry, 'corrupt');
      // Cut only now: Content-Length makes the short body detectable to the client.
      res.destroy();
    }
    if (served.kind === 'served') return served.outcome;
    // The blob is gone or damaged (deleted by hand, a crash between rename and fsync, a bad
    // disk): forget it and refetch, before any header went out.
    if (served.kind === 'corrupt') this.#corrupt(entry, served.why);
    await this.#forget(entry, served.kind === 'corrupt' ? 'corrupt' : 'missing_blob');
    return this.#retry(req, res, resource, scope, attempt, `blob ${served.kind}`);
  }

  #corrupt(entry: IndexEntry, why: string): void {
    if (entry.digest) this.#verified.forget(entry.digest);
    this.#d.metrics.corruptBlobs.inc({ found_by: 'hit' });
    this.#d.log.error(
      { key: entry.key, digest: entry.digest, why, code: 'TROVE_ERR_CORRUPT' },
      'cached blob is damaged; dropped',
    );
  }

  /** Drops an entry whose blob is gone or damaged; a damaged blob takes every entry with it. */
  async #forget(entry: IndexEntry, reason: 'missing_blob' | 'corrupt'): Promise<void> {
    try {
      if (reason === 'corrupt' && entry.digest) await this.evictor.dropBlob(entry.digest);
      else await this.evictor.remove([entry.key], reason);
    } catch (err) {
      this.#d.log.error({ err, key: entry.key }, 'could not drop an entry whose blob is bad');
    }
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
    res.setHeader('x-cache', 'NEGATIVE');
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
    const fill = this.#privateFill(resource, scope);
    const o = await fill.outcome;
    const failed = (err: TroveError): ServeOutcome => this.#error(res, scope, err);
    if (o.kind === 'body') return serveFill(req, res, fill, o, 'BYPASS', 0, failed);
    if (o.kind === 'error') return failed(o.error);
    const status = o.kind === 'negative' ? o.status : 502;
    scope.sendError(res, new TroveError('TROVE_ERR_NOT_FOUND', 'not found upstream', { status }));
    return { result: 'BYPASS', status, bytes: 0 };
  }
}
