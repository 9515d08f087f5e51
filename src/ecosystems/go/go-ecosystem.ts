// The `go` ecosystem: a GOPROXY protocol server with a checksum database proxy, private module
// patterns and allow/deny rules. Canonical .info/.mod/.zip never change; lists, @latest and
// query .info revalidate. Mounted at /<name> and at the root, so GOPROXY=http://host:port works.
import type { Policy, Resource, ResourceClass } from '../../engine/types.js';
import { goBrowser } from './go-browse.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemRequest,
  EcosystemType,
  InstanceCommon,
  InstanceContext,
} from '../ecosystem.js';
import { memoize } from '../common/memo.js';
import { textError } from '../common/responses.js';
import { encodePath } from '../common/url.js';
import { Gatekeeper } from './gatekeeper.js';
import { goSchema, type GoConfig } from './go-config.js';
import { parseGoPath, type GoEndpoint } from './go-request.js';
import { listAnswer, resolvedAnswer, type MetadataContext } from './metadata-answers.js';
import { moduleCheck, verificationFirst } from './module-verify.js';
import { Credentials } from './direct/credentials.js';
import { DirectOrigin } from './direct/direct-origin.js';
import { RepoResolver, type RepoRule } from './direct/repo-resolver.js';
import { compilePatterns, goNameMatcher, matchesAny, type PrefixPattern } from './patterns.js';
import type { AccessTarget } from '../../access/rules.js';
import { ModuleFeed } from './module-feed.js';
import { PinnedChain, type NamedLink } from './pinned-chain.js';
import { textResponse } from './responses.js';
import { sumdbDecision, sumdbResource, type SumdbTarget } from './sumdb/proxy.js';
import { SumdbVerifier } from './sumdb/verifier.js';
import { SumdbRoute, type SumdbProxy } from './sumdb/sumdb-route.js';

const MiB = 1024 * 1024;
/** x/mod zip limits: 500 MiB per module zip, 16 MiB per go.mod. */
const MAX_SIZE = { zip: 500 * MiB, mod: 16 * MiB, meta: 16 * MiB };

type ModuleEndpoint = Exclude<GoEndpoint, { kind: 'sumdb' }>;

/** Per request: served from the cache only, and (for private modules) from `direct` only. */
/** The module feed's endpoints (no module path is a single segment without a dot). */
const FEEDS = new Set(['index', 'catalog']);

interface Via {
  cacheOnly: boolean;
  origin?: Origin;
  /** GOPRIVATE: never checked against a public checksum database. */
  private?: boolean;
}

function policies(cfg: GoConfig) {
  const base = {
    busy: 'stale',
    expireAfter: cfg.expire_after ?? null,
    negativeTtl: cfg.negative_ttl,
  } as const;
  const immutable: Policy = { ...base, mode: 'immutable', freshFor: 0 };
  const query: Policy = { ...base, mode: 'revalidate', freshFor: cfg.query_fresh_for };
  const moving: Policy = { ...base, mode: 'revalidate', freshFor: cfg.sumdb_fresh_for };
  return { immutable, query, moving };
}

/** The verifier for public modules: the first configured database, read through the cache. */
function sumdbVerifier(db: SumdbTarget | undefined, key: string | undefined, ctx: InstanceContext) {
  if (!db || key === undefined) return null;
  return new SumdbVerifier(key, async (path) => {
    const checked = sumdbResource(db, path);
    if (!checked.ok) throw new Error(`not a checksum database path: ${path}`);
    const loaded = await ctx.load(checked.resource);
    return loaded.kind === 'body' ? loaded.body : null;
  });
}

/**
 * The chain's links (proxies and `direct`), and the proxies before `direct`: where a checksum
 * database may be proxied.
 */
function chain(
  cfg: GoConfig,
  ctx: InstanceContext,
  direct: Origin,
): { links: NamedLink[]; proxies: SumdbProxy[] } {
  const links: NamedLink[] = [];
  const proxies: SumdbProxy[] = [];
  let beforeDirect = true;
  for (const e of cfg.upstreams) {
    const origin = e.url === 'direct' ? direct : ctx.upstream([e]);
    if (e.url === 'direct') beforeDirect = false;
    else if (beforeDirect) proxies.push({ url: e.url, origin });
    links.push({
      url: e.url,
      fallthrough: e.fallthrough ?? 'not-found',
      fetch: (p, i) => origin.fetch(p, i),
    });
  }
  return { links, proxies };
}

/** `direct`: repositories found by rule, well-known host or go-import discovery, read with git. */
function directOrigin(cfg: GoConfig, ctx: InstanceContext): DirectOrigin {
  const api = (url: string): Origin => ctx.origin([{ url }]);
  const rules: RepoRule[] = cfg.direct.repos.map((r) => ({
    pattern: compilePatterns(r.prefix)[0] as PrefixPattern,
    url: r.url,
    insecure: r.insecure,
    credentials: r.auth ? new Credentials(r.auth, api) : undefined,
  }));
  // GOINSECURE: discovery and git over plain HTTP too, after the rules written out above.
  for (const pattern of compilePatterns(cfg.insecure)) {
    rules.push({ pattern, url: undefined, insecure: true, credentials: undefined });
  }
  const pages = memoize((key): Origin => {
    const [url, authorization] = key.split('\n') as [string, string];
    return ctx.origin([{ url, ...(authorization ? { authorization } : {}) }]);
  });
  const page = (base: string, authorization: string | undefined): Origin =>
    pages(`${base}\n${authorization ?? ''}`);
  return new DirectOrigin(new RepoResolver(rules, page), (url, auth) =>
    ctx.git(url, auth, cfg.direct.refresh),
  );
}

function createGoInstance(
  name: string,
  cfg: GoConfig & InstanceCommon,
  ctx: InstanceContext,
): EcosystemInstance {
  const privates = compilePatterns(cfg.private);
  const isPrivate = (module: string): boolean => matchesAny(privates, module);
  const unchecked = compilePatterns(cfg.nosumdb);
  const noproxy = compilePatterns(cfg.noproxy);
  const feed = new ModuleFeed(ctx.records('versions'), ctx.log);
  const gate = new Gatekeeper(cfg.allow, cfg.deny);
  const p = policies(cfg);
  const direct = directOrigin(cfg, ctx);
  const { links, proxies } = chain(cfg, ctx, direct);
  const upstream = new PinnedChain(links, ctx.records('pins'), ctx.log);
  const sumdbs = new Map<string, SumdbTarget>(
    cfg.sumdb.map((s) => [
      s.name,
      {
        name: s.name,
        origin: new SumdbRoute(
          s.name,
          proxies,
          { url: s.url, origin: ctx.origin([{ url: s.url }]) },
          ctx.log,
        ),
        immutable: p.immutable,
        moving: p.moving,
      },
    ]),
  );
  const first = cfg.sumdb[0];
  const verifier = cfg.verify
    ? sumdbVerifier(sumdbs.get(first?.name ?? ''), first?.key, ctx)
    : null;

  const resource = (
    segments: readonly string[],
    cls: ResourceClass,
    policy: Policy,
    maxSize: number,
    via: Via,
  ): Resource => ({
    key: segments.join('/'),
    class: cls,
    policy,
    upstreamPath: encodePath(segments),
    keepHeaders: ['content-type'],
    maxSize,
    ...(via.cacheOnly ? { cacheOnly: true } : {}),
    ...(via.origin ? { origin: via.origin } : {}),
  });

  /** .mod and .zip: immutable, and checked against the checksum database before caching. */
  function artifact(
    kind: 'mod' | 'zip',
    ep: { module: string; version: string },
    segments: readonly string[],
    via: Via,
  ): Decision {
    const zip = kind === 'zip';
    const r = resource(
      segments,
      zip ? 'artifact' : 'metadata',
      p.immutable,
      zip ? MAX_SIZE.zip : MAX_SIZE.mod,
      via,
    );
    r.committed = () => feed.note(ep.module, ep.version);
    if (verifier && !via.private && !matchesAny(unchecked, ep.module)) {
      r.verify = moduleCheck(verifier, kind, ep.module, ep.version);
      r.prepare = verificationFirst(verifier, ep.module, ep.version);
    }
    return { kind: 'resource', resource: r };
  }

  function moduleDecision(
    ep: ModuleEndpoint,
    segments: readonly string[],
    via: Via,
  ): Decision | Promise<Decision> {
    const pinned = 'version' in ep && ep.canonical ? ep.version : undefined;
    const refusal = gate.refusal(ep.module, pinned);
    if (refusal) return textResponse(403, refusal);
    const moduleSegs = segments.slice(
      0,
      segments.findIndex((s) => s.startsWith('@')),
    );
    const query = (segs: readonly string[]): Resource =>
      resource(segs, 'metadata', p.query, MAX_SIZE.meta, via);
    const meta: MetadataContext = {
      load: ctx.load,
      gate,
      sibling: (file) => query([...moduleSegs, '@v', file]),
    };
    switch (ep.kind) {
      case 'list':
        return listAnswer(ep.module, query(segments), meta);
      case 'latest':
      case 'info':
        if (ep.kind === 'info' && ep.canonical) {
          const r = resource(segments, 'metadata', p.immutable, MAX_SIZE.meta, via);
          r.committed = () => feed.note(ep.module, ep.version);
          return { kind: 'resource', resource: r };
        }
        if (!gate.versioned) return { kind: 'resource', resource: query(segments) };
        return resolvedAnswer(ep.module, query(segments), ep.kind === 'latest', meta);
      case 'mod':
      case 'zip':
        return artifact(ep.kind, ep, segments, via);
    }
  }

  return {
    name,
    type: 'go',
    // A miss while offline is "not here": the go command moves on to its next GOPROXY entry.
    offlineMissStatus: 404,
    accessTarget(req: EcosystemRequest): AccessTarget {
      if (req.segments.length === 1 && FEEDS.has(req.segments[0] as string)) {
        return { listing: true };
      }
      const parsed = parseGoPath(req.segments);
      // Unparsable paths are answered 400/404 with nothing named; checksum database answers
      // are public hashes.
      if (!parsed.ok || parsed.endpoint.kind === 'sumdb') return { instance: true };
      return { name: parsed.endpoint.module };
    },
    matchNames: goNameMatcher,
    handle(req: EcosystemRequest) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return textResponse(405, `${req.method} is not part of the GOPROXY protocol`, {
          allow: 'GET, HEAD',
        });
      }
      if (req.segments.length === 1 && FEEDS.has(req.segments[0] as string)) {
        const q = new URLSearchParams(req.query);
        return req.segments[0] === 'index' ? feed.index(q) : feed.catalog(q);
      }
      const parsed = parseGoPath(req.segments);
      if (!parsed.ok) return textResponse(parsed.status, parsed.reason);
      const ep = parsed.endpoint;
      if (ep.kind === 'sumdb') {
        return sumdbDecision(sumdbs.get(ep.name), ep.name, ep.rest, isPrivate);
      }
      const header = req.headers['disable-module-fetch'];
      const cacheOnly =
        parsed.cacheOnly || (typeof header === 'string' && header.trim().toLowerCase() === 'true');
      // Private modules (and GONOPROXY ones) come from version control only, never from the
      // proxies in the chain; only private ones skip the checksum database.
      const priv = isPrivate(ep.module);
      const vcs = priv || matchesAny(noproxy, ep.module);
      const via: Via = { cacheOnly, ...(vcs ? { origin: direct, private: priv } : {}) };
      return moduleDecision(ep, parsed.segments, via);
    },
    formatError: textError,
    upstream,
    browse: goBrowser,
    clientSetup: (baseUrl) =>
      [
        `go env -w GOPROXY=${baseUrl}`,
        `# checksum lookups go through Trove too: ${baseUrl}/sumdb/<name>/supported`,
        ...(privates.length
          ? [`go env -w GOPRIVATE=${privates.map((x) => x.source).join(',')}`]
          : []),
      ].join('\n'),
  };
}

export const goEcosystem: EcosystemType<typeof goSchema> = {
  type: 'go',
  schema: goSchema,
  defaultPaths: (name) => [`/${name}`, '/'],
  create: createGoInstance,
};
