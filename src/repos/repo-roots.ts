// The shared machinery of Linux repositories: roots discovered from requests, refreshed in the
// background into generations (every listed file a client uses fetched and verified before the
// set is published in one index write), a persisted lifecycle, and the answers built on them:
// top files and listed files from one generation, packages verified against what it lists.
import type { Logger } from 'pino';
import type { Loaded, Opened } from '../engine/engine.js';
import type { Resource } from '../engine/types.js';
import { TroveError, toTroveError } from '../errors.js';
import type { Origin } from '../upstream/upstream-pool.js';
import type { RecordStore } from '../ecosystems/ecosystem.js';
import { contentPolicy, contentResource, contentKey } from './content-resource.js';
import { fetchGeneration, type Attempt, type GenerationDeps } from './fetch-generation.js';
import type { Generation } from './generation.js';
import { SetReader } from './set-reader.js';
import {
  joinPath as join,
  locator,
  wantKey,
  type ListedFile,
  type Listing,
  type RepoFormat,
} from './repo-format.js';
import {
  DEFAULT_RULES,
  ROOT_STATES,
  due,
  failed,
  forbidden,
  newRoot,
  notFound,
  published,
  revived,
  unchanged,
  type LifecycleRules,
  type RootRecord,
  type RootState,
} from './root-lifecycle.js';
import { ClientPins, type AddressPin, type Client } from './client-pins.js';
import { limiter } from '../util/limiter.js';
import { SetResources } from './set-resources.js';

export interface RepoOptions {
  refreshInterval: number;
  /** How long a request waits for a root's first generation, or for a refresh past Valid-Until. */
  firstWait: number;
  /** Past Valid-Until with the upstream unreachable: serve the stale set, or answer 504. */
  expired: 'serve' | 'fail';
  maxTopSize: number;
  maxIndexSize: number;
  maxPackageSize: number;
  /** Refreshes running at once across roots. */
  concurrency: number;
  expireAfter: number | null;
  rules?: LifecycleRules;
  /** Never contact the upstreams: serve the sets kept, refresh nothing. */
  offline: boolean;
}

export interface RepoDeps {
  format: RepoFormat;
  /** One origin per configured upstream: a generation comes from one of them. */
  origins: readonly Origin[];
  /** All upstreams in order (packages may come from any mirror). */
  pool: Origin;
  load(r: Resource): Promise<Loaded>;
  open(r: Resource): Promise<Opened>;
  records: RecordStore;
  /** Runs a refresh once among the processes sharing the cache (default: here, always). */
  once?(name: string, job: () => Promise<void>): Promise<boolean>;
  /** Client pins told to and heard from the other processes (a client may reconnect there). */
  pins?: { tell(pin: AddressPin): void; hear(heard: (pin: AddressPin) => void): void };
  log: Logger;
  now?: () => number;
}

export type Answer =
  | { kind: 'resource'; resource: Resource }
  | { kind: 'error'; error: TroveError }
  /** Not something the machinery knows: relay it uncached. */
  | { kind: 'pass' };

/** The largest companion file (a detached signature) kept. */
const MAX_COMPANION = 1024 * 1024;

/** Roots that never had a set, kept in memory at most (see #set). */
const MAX_ROOTS = 1000;

async function within<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  try {
    return await Promise.race([p.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

export class RepoRoots {
  readonly #d: RepoDeps;
  readonly #o: RepoOptions;
  readonly #rules: LifecycleRules;
  readonly #now: () => number;
  readonly #roots = new Map<string, RootRecord>();
  readonly #running = new Map<string, Promise<void>>();
  readonly #errors = new Map<string, TroveError>();
  readonly #persisted = new Set<string>();
  #paths: string[] | null = null;
  readonly #reader: SetReader;
  readonly #pins = new ClientPins();
  readonly #limit: <T>(fn: () => Promise<T>) => Promise<T>;
  readonly #sets: SetResources;
  readonly #gen: GenerationDeps;
  readonly #loaded: Promise<void>;
  readonly #timer: NodeJS.Timeout;
  #closed = false;

  constructor(deps: RepoDeps, options: RepoOptions) {
    this.#d = deps;
    this.#o = options;
    this.#rules = options.rules ?? DEFAULT_RULES;
    this.#now = deps.now ?? Date.now;
    this.#limit = limiter(options.concurrency);
    const policy = contentPolicy(options);
    const limits = { policy, maxTopSize: options.maxTopSize, maxIndexSize: options.maxIndexSize };
    this.#sets = new SetResources(limits, deps.origins, deps.pool, locator(deps.format));
    this.#reader = new SetReader(deps.format, this.#sets, deps.load, deps.log);
    this.#gen = {
      format: deps.format,
      sets: this.#sets,
      load: deps.load,
      open: deps.open,
      log: deps.log,
      now: this.#now,
      maxTopSize: options.maxTopSize,
      closed: () => this.#closed,
    };
    this.#loaded = deps.records.list().then(
      (rows) => {
        for (const r of rows) {
          this.#roots.set(r.key, r.value as RootRecord);
          this.#persisted.add(r.key);
        }
        this.#paths = null;
      },
      (err: unknown) => deps.log.error({ err }, 'repository roots could not be read'),
    );
    // Another worker published (or retired) a root: take its record, so every worker serves
    // the same generation.
    deps.records.watch?.((root) => void this.#reload(root));
    deps.pins?.hear((p) => this.#pins.pinAddress(p.address, p.root, p.id));
    const tick = Math.min(60_000, Math.max(250, Math.floor(options.refreshInterval / 4)));
    this.#timer = setInterval(() => this.#tick(), tick);
    this.#timer.unref();
  }

  // ---- answers ---------------------------------------------------------------------------

  /** A top file of a root (`InRelease`), from the current generation. */
  async top(root: string, name: string, client: Client): Promise<Answer> {
    const got = await this.#current(root);
    if (got.kind !== 'gen') return got.answer;
    const file = got.gen.top[name];
    if (!file) return notListed(`${this.#sets.locate(root, name)} is not published upstream`);
    this.#pins.pin(client, root, got.gen.id);
    this.#d.pins?.tell({ address: client.address, root, id: got.gen.id });
    return {
      kind: 'resource',
      resource: this.#sets.top(root, name, file, this.#sets.origin(got.gen.upstream)),
    };
  }

  /** A file the root's top file lists (`main/binary-amd64/Packages.xz`). */
  async member(root: string, rel: string, client: Client): Promise<Answer> {
    const got = await this.#current(root);
    if (got.kind !== 'gen') return got.answer;
    // The client's own generation first; then any kept one that lists the name (RPM's data
    // files are named by their checksum, and a client may still hold the repomd before).
    const pinned = this.#pinned(got.rec, client);
    const gens = [pinned, got.gen, ...got.rec.previous].filter((g, i, all) => all.indexOf(g) === i);
    for (const gen of gens) {
      const file = (await this.#reader.listing(got.rec.path, gen)).files.get(rel);
      if (!file) continue;
      if (gen === got.gen || gen === pinned) this.#want(root, file);
      return {
        kind: 'resource',
        resource: this.#sets.member(root, file, this.#sets.origin(gen.upstream), [rel]),
      };
    }
    return { kind: 'pass' };
  }

  /** A listed file by its digest (`…/by-hash/SHA256/<hex>`), from any generation that lists it. */
  async byHash(root: string, dir: string, digest: Digest): Promise<Answer> {
    const here = join(dir, `by-hash/${digest.label}/${digest.hex}`);
    const got = await this.#current(root);
    if (got.kind === 'gen') {
      for (const gen of [got.gen, ...got.rec.previous]) {
        const listing = await this.#reader.listing(root, gen);
        const file = byDigest(listing, digest);
        if (!file) continue;
        if (gen === got.gen) this.#want(root, file);
        const resource = this.#sets.member(root, file, this.#sets.origin(gen.upstream), [
          here,
          file.path,
        ]);
        return { kind: 'resource', resource };
      }
    }
    // Unlisted: still immutable, and verified by its own name.
    const byName = this.#sets.byName(this.#sets.locate(root, here), digest);
    return { kind: 'resource', resource: byName };
  }

  /** A package, verified against the generations that list it; unknown ones are relayed. */
  async artifact(path: string): Promise<Answer> {
    await this.#loaded;
    const name = path.slice(path.lastIndexOf('/') + 1);
    const common = {
      cls: 'artifact' as const,
      policy: contentPolicy(this.#o),
      paths: [path],
      origin: this.#d.pool,
      keepHeaders: ['content-type'],
      hold: true,
    };
    const ref = await this.#reader.listed(this.#roots.values(), path);
    if (ref) {
      const check = this.#d.format.packageCheck?.(ref) ?? { digests: ref.digests };
      const resource = contentResource({
        ...common,
        key: `pkg/${name}/${contentKey(ref.digests)}`,
        size: ref.size,
        digests: check.digests,
        ...(check.verify ? { verify: check.verify } : {}),
        maxSize: this.#o.maxPackageSize,
      });
      return { kind: 'resource', resource };
    }
    const of = this.#d.format.companion?.(path);
    const pkg = of ? await this.#reader.listed(this.#roots.values(), of) : undefined;
    if (pkg) {
      const resource = contentResource({
        ...common,
        key: `pkg/${name}/${contentKey(pkg.digests)}`,
        digests: [],
        maxSize: MAX_COMPANION,
      });
      return { kind: 'resource', resource };
    }
    this.#d.log.debug({ path }, 'not listed in any kept set: relayed uncached');
    return { kind: 'pass' };
  }

  // ---- state -----------------------------------------------------------------------------

  /** Roots per lifecycle state, for /metrics. */
  counts(): Record<RootState, number> {
    const out = Object.fromEntries(ROOT_STATES.map((s) => [s, 0])) as Record<RootState, number>;
    for (const r of this.#roots.values()) out[r.state]++;
    return out;
  }

  roots(): RootRecord[] {
    return [...this.#roots.values()];
  }

  /** The paths of the roots known, longest first (computed again only when roots come or go). */
  paths(): readonly string[] {
    this.#paths ??= [...this.#roots.keys()].sort((a, b) => b.length - a.length);
    return this.#paths;
  }

  /** Refreshes a root now (single flight); resolves when that refresh is over. */
  refresh(root: string): Promise<void> {
    const running = this.#running.get(root);
    if (running) return running;
    const once = this.#d.once;
    const run = async (): Promise<void> => {
      if (!once) return this.#refresh(root);
      if (!(await once(`refresh ${root}`, () => this.#refresh(root)))) await this.#reload(root);
    };
    const p = this.#limit(run).finally(() => this.#running.delete(root));
    this.#running.set(root, p);
    return p;
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await within(Promise.allSettled([...this.#running.values()]), 5_000);
  }

  // ---- internals -------------------------------------------------------------------------

  /** Takes the record another process wrote for `root`. */
  async #reload(root: string): Promise<void> {
    const value = (await this.#d.records.get(root).catch(() => undefined)) as
      RootRecord | undefined;
    if (!value || this.#closed) return;
    const mine = this.#roots.get(root);
    // Files asked for here since are kept wanted.
    const wanted = [...new Set([...value.wanted, ...(mine?.wanted ?? [])])];
    if (!mine) this.#paths = null;
    this.#roots.set(root, { ...value, wanted });
    this.#persisted.add(root);
  }

  #tick(): void {
    if (this.#o.offline) return;
    const now = this.#now();
    for (const r of this.#roots.values()) {
      if (due(r, now, this.#o.refreshInterval)) void this.refresh(r.path);
    }
  }

  async #current(
    root: string,
  ): Promise<{ kind: 'gen'; rec: RootRecord; gen: Generation } | { kind: 'none'; answer: Answer }> {
    await this.#loaded;
    const now = this.#now();
    let rec = this.#roots.get(root);
    if (!rec || rec.state === 'removed') {
      if (!rec && !this.#roomForOneMore()) return { kind: 'none', answer: { kind: 'pass' } };
      rec = rec ? revived(rec, now) : newRoot(root, now);
      this.#set(rec);
    }
    const gen = rec.generation;
    const expired = gen?.validUntil != null && gen.validUntil < now;
    if (this.#o.offline) {
      if (gen && !(expired && this.#o.expired === 'fail')) return { kind: 'gen', rec, gen };
      const error = new TroveError(
        'TROVE_ERR_OFFLINE_MISS',
        `${root}: offline, and no usable metadata is kept`,
      );
      return { kind: 'none', answer: { kind: 'error', error } };
    }
    if (!gen || expired) {
      const done = await within(this.refresh(root), this.#o.firstWait);
      rec = this.#roots.get(root) ?? rec;
      const now2 = this.#now();
      const fresh = rec.generation;
      if (!fresh) {
        if (!done) return { kind: 'none', answer: { kind: 'pass' } };
        return { kind: 'none', answer: { kind: 'error', error: this.#failure(root) } };
      }
      if (fresh.validUntil != null && fresh.validUntil < now2 && this.#o.expired === 'fail') {
        const error = new TroveError(
          'TROVE_ERR_UPSTREAM_TIMEOUT',
          `${root}: the published metadata expired (Valid-Until) and no newer set could be fetched`,
        );
        return { kind: 'none', answer: { kind: 'error', error } };
      }
      return { kind: 'gen', rec, gen: fresh };
    }
    if (due(rec, now, this.#o.refreshInterval)) void this.refresh(root);
    return { kind: 'gen', rec, gen };
  }

  #failure(root: string): TroveError {
    const err = this.#errors.get(root);
    if (err) return err;
    const rec = this.#roots.get(root);
    return new TroveError(
      'TROVE_ERR_UPSTREAM_STATUS',
      `${root}: no metadata could be fetched${rec?.lastError ? ` (${rec.lastError})` : ''}`,
    );
  }

  #pinned(rec: RootRecord, client: Client): Generation {
    const id = this.#pins.get(client, rec.path);
    const gen = rec.generation as Generation;
    if (id === undefined || id === gen.id) return gen;
    return rec.previous.find((g) => g.id === id) ?? gen;
  }

  /**
   * Roots are kept (and persisted) once they have had a set; until then they live in memory
   * only, at most MAX_ROOTS of them, so requests for made-up suites cannot grow the index.
   */
  #set(rec: RootRecord, save = true): void {
    if (!this.#roots.has(rec.path)) this.#paths = null;
    this.#roots.set(rec.path, rec);
    if (!save || (!rec.generation && !this.#persisted.has(rec.path))) return;
    void this.#saved(rec);
  }

  async #saved(rec: RootRecord): Promise<void> {
    this.#persisted.add(rec.path);
    await this.#d.records
      .put(rec.path, rec)
      .catch((err: unknown) => this.#d.log.error({ err, root: rec.path }, 'root not saved'));
  }

  /** The last refresh failure of a root, for the requests that waited on it (bounded). */
  #error(root: string, err: TroveError): void {
    this.#errors.delete(root);
    this.#errors.set(root, err);
    if (this.#errors.size > MAX_ROOTS) {
      const oldest = this.#errors.keys().next().value;
      if (oldest !== undefined) this.#errors.delete(oldest);
    }
  }

  #forget(root: string): void {
    this.#paths = null;
    this.#roots.delete(root);
    this.#errors.delete(root);
  }

  #roomForOneMore(): boolean {
    if (this.#roots.size < MAX_ROOTS) return true;
    for (const r of this.#roots.values()) {
      if (!this.#persisted.has(r.path) && !this.#running.has(r.path)) {
        this.#forget(r.path);
        return true;
      }
    }
    return false;
  }

  #want(root: string, file: ListedFile): void {
    const key = wantKey(file);
    const rec = this.#roots.get(root);
    if (!rec || rec.wanted.includes(key)) return;
    this.#set({ ...rec, wanted: [...rec.wanted, key] });
  }

  async #refresh(root: string): Promise<void> {
    if (this.#closed) return;
    await this.#loaded;
    const start = this.#roots.get(root) ?? newRoot(root, this.#now());
    if (!this.#roots.has(root)) this.#paths = null;
    this.#roots.set(root, { ...start, lastAttempt: this.#now() });
    let attempt: Attempt | undefined;
    let error: TroveError | undefined;
    for (let i = 0; i < this.#d.origins.length && !attempt; i++) {
      try {
        attempt = await fetchGeneration(this.#gen, start, i);
      } catch (err) {
        error = toTroveError(err);
        this.#d.log.warn({ root, upstream: i, err: error.message }, 'repository refresh failed');
      }
    }
    const now = this.#now();
    const latest = this.#roots.get(root) as RootRecord;
    let next: RootRecord;
    if (!attempt) {
      this.#error(root, error ?? new TroveError('TROVE_ERR_UPSTREAM_CONNECT', 'no upstream'));
      next = failed(latest, (error as TroveError | undefined)?.message ?? 'no upstream');
    } else if (attempt.kind === 'unchanged') {
      this.#errors.delete(root);
      next = unchanged(latest, now);
    } else if (attempt.kind === 'forbidden') {
      this.#error(root, new TroveError('TROVE_ERR_UPSTREAM_STATUS', attempt.why, { status: 403 }));
      next = forbidden(latest, now, attempt.why, this.#rules);
    } else if (attempt.kind === 'not-found') {
      this.#error(root, new TroveError('TROVE_ERR_NOT_FOUND', attempt.why));
      next = notFound(latest, now, attempt.why, this.#rules);
      // Never had a set: nothing to keep; the next request discovers it again.
      if (!this.#persisted.has(root)) {
        // The error stays, for the requests waiting on this refresh.
        this.#roots.delete(root);
        this.#paths = null;
        return;
      }
    } else {
      this.#errors.delete(root);
      const files = attempt.listing.files;
      const kept = new Set([...files.values()].map(wantKey));
      const wanted = latest.wanted.filter((w) => kept.has(w));
      next = { ...published(latest, attempt.gen, now, this.#rules), wanted };
      this.#reader.remember(root, attempt.gen, attempt.listing);
      // Read the new package lists now, so the first package request does not wait for it.
      const gen = attempt.gen;
      setImmediate(() => {
        const rec = this.#roots.get(root);
        if (rec?.generation !== gen) return;
        this.#reader
          .tables(rec, gen)
          .catch((err: unknown) =>
            this.#d.log.warn({ err, root }, 'package lists could not be read'),
          );
      });
      this.#d.log.info(
        { root, generation: attempt.gen.id, upstream: attempt.gen.upstream, files: wanted.length },
        'repository generation published',
      );
    }
    // A new generation is saved before this worker serves it: the save tells the other workers
    // (which take it before any later connection), so a client cannot get the new top file
    // here and an old index from another worker.
    const publishing = next.generation !== latest.generation;
    if (publishing) await this.#saved(next);
    this.#set(next, !publishing);
  }
}

export interface Digest {
  /** As the repository names it in by-hash paths (SHA256, SHA512, MD5Sum). */
  label: string;
  algorithm: 'sha256' | 'sha512' | 'sha1' | 'md5';
  hex: string;
}

function byDigest(listing: Listing, d: Digest): ListedFile | undefined {
  for (const f of listing.files.values()) {
    if (f.digests.some((x) => x.algorithm === d.algorithm && x.hex === d.hex)) return f;
  }
  return undefined;
}

const notListed = (why: string): Answer => ({
  kind: 'error',
  error: new TroveError('TROVE_ERR_NOT_FOUND', why),
});
