// The cache resources behind an npm instance. A packument is kept once as the upstream sent it
// (`raw/`, checked before it is kept); what clients get is derived from it once per upstream
// version and public base (`doc/`: full or abbreviated, tarball URLs pointing at Trove), and so
// is the list of its tarballs with their checksums (`dists/`). Tarballs (`tgz/`) are immutable
// and verified on ingest against that list.
import { baseKeys, derivedResource, gzipVariant, ParsedDocs } from '../../derive/variants.js';
import type { Opened } from '../../engine/engine.js';
import type { Policy, Prepared, Resource } from '../../engine/types.js';
import { TroveError, toTroveError } from '../../errors.js';
import { directoryBase, upstreamChosen } from '../../upstream/upstream-url.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type { UpstreamEntry } from '../../config/types.js';
import type { InstanceContext } from '../ecosystem.js';
import { freshness } from '../common/policy.js';
import { memoize } from '../common/memo.js';
import { distList, tarballDigests, type DistEntry, type DistList } from './dist-list.js';
import type { NpmConfig } from './npm-config.js';
import { checkPackument } from './packument-check.js';
import { corgiPackument, fullPackument } from './packument-render.js';
import { apiPath, type PackageName } from './package-name.js';
import { tarballFile, troveTarball } from './tarball-url.js';

export const FULL = 'application/json';
export const CORGI = 'application/vnd.npm.install-v1+json';
export type Representation = typeof FULL | typeof CORGI;

/** How long the raw packument counts as current for documents derived from it. */
const RAW_FRESH = 10_000;
/** Version of the derivations: bump when their output changes, so old entries are remade. */
const DERIVED = 'v1';

export interface Upstream {
  /** The ordered list, with failover. */
  origin: Origin;
  /** Base URLs (directory form), in order. */
  bases: string[];
  /** Each registry alone (with its own credentials): a tarball URL under `bases[i]` uses `one[i]`. */
  one: Origin[];
}

export class NpmResources {
  readonly #cfg: NpmConfig;
  readonly #ctx: InstanceContext;
  readonly default: Upstream;
  readonly #scopes = new Map<string, Upstream>();
  readonly #offHost: (origin: string) => Origin;
  readonly #lists = new ParsedDocs<DistList>();
  /** A short name for a public base, in document keys. */
  readonly #baseKey = baseKeys();

  constructor(cfg: NpmConfig, ctx: InstanceContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
    const upstream = (entries: UpstreamEntry[]): Upstream => ({
      origin: ctx.upstream(entries),
      bases: entries.map((e) => directoryBase(e.url).href),
      one: entries.map((e) => ctx.upstream([e])),
    });
    this.default = upstream(cfg.upstreams);
    for (const [scope, s] of Object.entries(cfg.scopes)) {
      this.#scopes.set(scope.toLowerCase(), upstream(s.upstreams));
    }
    // Tarballs a registry keeps on another host get no credentials (a new origin, no auth).
    this.#offHost = memoize((origin) => ctx.origin([{ url: `${origin}/` }]));
  }

  upstreamFor(name: PackageName | undefined): Upstream {
    return (name?.scope && this.#scopes.get(name.scope.toLowerCase())) || this.default;
  }

  #policy(over: Partial<Policy>): Policy {
    return freshness(this.#cfg, over);
  }

  /** The packument as the upstream sent it (full, with `time`), checked before it is kept. */
  raw(name: PackageName, current: boolean): Resource {
    return {
      key: `raw/${name.full}`,
      class: 'metadata',
      policy: this.#policy({
        freshFor: current ? 0 : RAW_FRESH,
        busy: 'wait',
        negativeTtl: this.#cfg.negative_ttl,
      }),
      origin: this.upstreamFor(name).origin,
      upstreamPath: apiPath(name),
      upstreamHeaders: { accept: FULL },
      keepHeaders: ['content-type', 'last-modified'],
      verify: (body) => checkPackument(body, name.full),
      maxSize: this.#cfg.max_packument_size,
    };
  }

  /**
   * The packument clients get, for one representation and one public base; gzipped (made
   * from the identity one, so both always agree) when the client accepts it.
   */
  document(name: PackageName, repr: Representation, base: string, gzip = false): Resource {
    if (gzip) {
      const plain = this.document(name, repr, base);
      return gzipVariant(plain, () => this.#ctx.open(plain), `npm-gz-${DERIVED}`, repr);
    }
    const up = this.upstreamFor(name);
    const corgi = repr === CORGI;
    const source = (): Promise<Opened> => this.#ctx.open(this.raw(name, false));
    const relativeTo = up.bases[0] as string;
    const rewrite = (url: string): string | null => {
      const file = tarballFile(url, relativeTo);
      return file ? troveTarball(base, name, file) : null;
    };
    const key = `doc/${name.full}/${corgi ? 'corgi' : 'full'}/${this.#baseKey(base)}`;
    return derivedResource(key, this.#policy({}), () => ({
      open: source,
      tag: `npm-${corgi ? 'corgi' : 'full'}-${DERIVED}`,
      contentType: corgi ? CORGI : 'application/json',
      transform: (emit) => (corgi ? corgiPackument(emit, rewrite) : fullPackument(emit, rewrite)),
    }));
  }

  /** The tarballs the packument lists; `current` asks the upstream again first. */
  async distList(name: PackageName, current: boolean): Promise<DistList | null> {
    const relativeTo = this.upstreamFor(name).bases[0] as string;
    const policy = this.#policy({ freshFor: current ? 0 : this.#cfg.fresh_for, busy: 'wait' });
    const list = derivedResource(
      `dists/${name.full}`,
      policy,
      () => ({
        open: () => this.#ctx.open(this.raw(name, current)),
        tag: `npm-dists-${DERIVED}`,
        contentType: 'application/json',
        transform: (emit) => distList(emit, relativeTo),
      }),
      ['etag'],
    );
    const loaded = await this.#ctx.load(list);
    return this.#lists.parse(name.full, loaded);
  }

  tarball(name: PackageName, file: string): Resource {
    return {
      key: `tgz/${name.full}/${file}`,
      class: 'artifact',
      policy: this.#policy({ mode: 'immutable', negativeTtl: this.#cfg.negative_ttl }),
      upstreamPath: `${apiPath(name)}/-/${encodeURIComponent(file)}`,
      keepHeaders: [],
      fixedHeaders: { 'content-type': 'application/octet-stream' },
      maxSize: this.#cfg.max_tarball_size,
      holdUntilVerified: true,
      prepare: () => this.#prepareTarball(name, file),
    };
  }

  async #prepareTarball(name: PackageName, file: string): Promise<Prepared> {
    let entry = (await this.distList(name, false))?.[file];
    // Published after the cached packument was fetched: ask the upstream once more.
    if (!entry) entry = (await this.distList(name, true))?.[file];
    if (!entry) {
      throw new TroveError(
        'TROVE_ERR_NOT_FOUND',
        `${file} is not a tarball of ${name.full} (its packument does not list it)`,
      );
    }
    const digests = tarballDigests(entry);
    if (digests.length === 0) {
      throw new TroveError(
        'TROVE_ERR_VERIFY',
        `the packument of ${name.full} gives no checksum for ${file}, so it cannot be verified`,
      );
    }
    return { expect: { digests }, ...this.#where(name, entry) };
  }

  /** Through the registry (with its credentials) when under its base, else its own host. */
  #where(name: PackageName, entry: DistEntry): Prepared {
    const up = this.upstreamFor(name);
    // The registry whose packument named it: mirrors in the list need not hold each other's files.
    const i = up.bases.findIndex((b) => entry.url.startsWith(b));
    if (i >= 0) {
      const base = up.bases[i] as string;
      return { origin: up.one[i] as Origin, upstreamPath: entry.url.slice(base.length) };
    }
    // Elsewhere: http(s) only, no credentials in the URL, no https-to-http downgrade.
    let u: URL;
    try {
      u = upstreamChosen(entry.url, new URL(up.bases[0] as string), 'tarball URL');
    } catch (err) {
      // The packument's own fault, not an unavailable registry: a 502, not a retried 503.
      throw new TroveError('TROVE_ERR_UPSTREAM_BODY', toTroveError(err).message);
    }
    const hosts = this.#cfg.tarball_hosts;
    if (!hosts.includes('*') && !hosts.includes(u.origin)) {
      throw new TroveError(
        'TROVE_ERR_UPSTREAM_BODY',
        `the packument of ${name.full} puts ${entry.url.split('/').pop() ?? 'a tarball'} on ` +
          `${u.origin}, which is not one of its registries: add it to tarball_hosts to allow it`,
      );
    }
    return {
      origin: this.#offHost(u.origin),
      upstreamPath: u.href.slice(u.origin.length + 1),
    };
  }
}
