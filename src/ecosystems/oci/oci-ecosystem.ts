// The `oci` ecosystem: a pull-through registry mirror (distribution spec v1.1, Docker Registry
// API v2) for many upstream registries, routed by Host, by a registry name as the first path
// component, by ?ns= or to the default registry. Blobs and manifests by digest never change
// and are checked against their digest; a tag's manifest revalidates after `tag_fresh_for`.
import type { Policy } from '../../engine/types.js';
import { ociBrowser } from './oci-browse.js';
import { TroveError } from '../../errors.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemRequest,
  EcosystemType,
  InstanceCommon,
  InstanceContext,
  RequestAccess,
} from '../ecosystem.js';
import { hostname } from '../../server/router.js';
import { AccessGate } from '../common/access-gate.js';
import { referrersAnswer, tagsAnswer, type ApiContext } from './api-answers.js';
import { ClientTokens } from './client-tokens.js';
import { ociSchema, type OciConfig } from './oci-config.js';
import { parseOciPath, type OciRequest } from './oci-request.js';
import type { AccessTarget } from '../../access/rules.js';
import { Passthrough, tokenResponse, type Target } from './passthrough.js';
import { Prefetch } from './prefetch.js';
import { RateLimits } from './rate-limits.js';
import { registries } from './registries.js';
import { resourceFor, type Policies, type RepoEndpoint } from './resources.js';
import { API_VERSION, errorDecision, formatOciError, jsonError } from './responses.js';
import { DEFAULT_HOST_ROUTES, route, type Route, type RoutingTable } from './routing.js';

const UNKNOWN: Record<RepoEndpoint['kind'], string> = {
  blob: 'BLOB_UNKNOWN',
  manifest: 'MANIFEST_UNKNOWN',
  tags: 'NAME_UNKNOWN',
  referrers: 'NAME_UNKNOWN',
};

/** How a passthrough registry is asked whether a client may read what a request reads. */
function probeFor(ep: RepoEndpoint, repo: string, upstreamPath: string, accept?: string) {
  return ep.kind === 'blob' || ep.kind === 'manifest'
    ? { path: upstreamPath, method: 'HEAD' as const, ...(accept ? { accept } : {}) }
    : { path: `v2/${repo}/tags/list?n=1`, method: 'GET' as const };
}

function createOciInstance(
  name: string,
  cfg: OciConfig & InstanceCommon,
  ctx: InstanceContext,
): EcosystemInstance {
  const limits = new RateLimits(ctx.log);
  const prefetch = new Prefetch({ load: ctx.load, open: ctx.open, log: ctx.log });
  const regs = registries(cfg, ctx, limits);
  const table: RoutingTable = {
    registries: new Set(regs.keys()),
    defaultRegistry: cfg.default_registry,
    customDomain: cfg.custom_domain,
    hostRoutes: { ...DEFAULT_HOST_ROUTES, ...cfg.host_routes },
  };
  const base = {
    busy: 'stale',
    expireAfter: cfg.expire_after ?? null,
    negativeTtl: cfg.negative_ttl,
  } as const;
  const immutable: Policy = { ...base, mode: 'immutable', freshFor: 0 };
  const policies: Policies = {
    immutable,
    tag: { ...base, mode: 'revalidate', freshFor: cfg.tag_fresh_for },
  };
  const passthrough = new Passthrough({
    registries: regs,
    tokens: new ClientTokens(ctx.key('client tokens')),
    gate: new AccessGate(cfg.access_cache_for),
  });

  async function repoRequest(
    req: EcosystemRequest,
    ep: RepoEndpoint,
    r: Extract<Route, { ok: true }>,
    apiBase: string,
  ): Promise<Decision> {
    const reg = regs.get(r.registry);
    if (!reg) return errorDecision(404, 'NAME_UNKNOWN', `no registry ${r.registry}`);
    const clientName = ep.name.join('/');
    let origin = reg.origin;
    const accept = req.headers['accept'];
    const resource = (o: typeof origin, e: RepoEndpoint = ep, a = accept) =>
      resourceFor(e, r.registry, r.repo, req.query, a, o, policies);
    if (reg.passthrough) {
      const first = resource(origin);
      const target: Target = {
        registry: r.registry,
        repo: r.repo,
        name: clientName,
        probe: probeFor(ep, r.repo, first.upstreamPath, first.upstreamHeaders?.['accept']),
        unknown: UNKNOWN[ep.kind],
      };
      const admitted = await passthrough.admit(grantOf(req), target, apiBase);
      if (!admitted.ok) return admitted.answer;
      origin = admitted.origin;
    }
    const api: ApiContext = { load: ctx.load, base: `${apiBase}/${clientName}` };
    if (ep.kind === 'tags') return tagsAnswer(resource(origin), api);
    if (ep.kind === 'referrers') {
      // The distribution spec's fallback: an index tagged sha256-<hex>.
      const fallback = resource(
        origin,
        {
          kind: 'manifest',
          name: ep.name,
          reference: ep.digest.replace(':', '-'),
          byDigest: false,
        },
        'application/vnd.oci.image.index.v1+json',
      );
      return referrersAnswer(
        resource(origin),
        fallback,
        new URLSearchParams(req.query).get('artifactType'),
        api,
      );
    }
    const errors = {
      unknown: UNKNOWN[ep.kind],
      challenge: passthrough.challenge(apiBase, clientName),
    };
    const answer = resource(origin);
    if (ep.kind === 'manifest' && reg.prefetch) {
      const { platforms } = reg.prefetch;
      answer.committed = () => prefetch.after(answer, (e) => resource(origin, e), platforms);
    }
    return {
      kind: 'resource',
      resource: answer,
      // containerd's ?ns= is echoed back, as the distribution spec's mirror extension asks.
      ...(r.via === 'ns' ? { headers: { 'oci-namespace': r.registry } } : {}),
      formatError: (err) => formatOciError(err, errors),
    };
  }

  /** Trove's realm's answer to a verified client (access control on, no passthrough). */
  function realmToken(access: RequestAccess): Decision {
    const issued = access.issueToken();
    const response = issued
      ? tokenResponse(issued)
      : jsonError(401, 'UNAUTHORIZED', 'authentication required');
    return { kind: 'response', response };
  }

  /** The request's API path, its base URL and how its repository names route. */
  function locate(req: EcosystemRequest) {
    const segs =
      req.prefix === '' ? (req.segments[0] === 'v2' ? req.segments.slice(1) : null) : req.segments;
    const parsed: OciRequest = segs
      ? parseOciPath(segs)
      : {
          ok: false,
          status: 404,
          code: 'NOT_FOUND',
          message: 'registry API paths start with /v2/',
        };
    const apiBase = req.prefix === '' ? `${req.baseUrl}/v2` : req.baseUrl;
    const host = hostname(req.headers.host);
    const ns = new URLSearchParams(req.query).get('ns');
    const routeName = (n: string[]): Route => route(n, host, ns, table);
    return { parsed, apiBase, routeName };
  }

  return {
    name,
    type: 'oci',
    offlineMissStatus: 503,
    // Every resource names its registry's origin; nothing uses an instance-wide upstream.
    upstream: {
      fetch: () =>
        Promise.reject(new TroveError('TROVE_ERR_UPSTREAM_CONNECT', 'no registry selected')),
    },
    accessTarget(req: EcosystemRequest): AccessTarget {
      const at = locate(req);
      if (!at.parsed.ok) return { instance: true };
      const ep = at.parsed.endpoint;
      if (ep.kind === 'base' || ep.kind === 'token' || ep.kind === 'push')
        return { instance: true };
      const r = at.routeName(ep.name);
      return r.ok ? { name: `${r.registry}/${r.repo}` } : { instance: true };
    },
    challenge: (req) => passthrough.challenge(locate(req).apiBase),
    async handle(req: EcosystemRequest): Promise<Decision> {
      const { parsed, apiBase, routeName } = locate(req);
      if (!parsed.ok) return errorDecision(parsed.status, parsed.code, parsed.message);
      const ep = parsed.endpoint;
      if (ep.kind === 'push' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        return errorDecision(
          405,
          'UNSUPPORTED',
          'Trove is a read-only mirror: push and delete are not supported',
        );
      }
      if (ep.kind === 'token') {
        // With access control on, the realm issues Trove's own tokens to verified clients.
        const access = req.access;
        if (access && !passthrough.enabled) return realmToken(access);
        const login = routeName(['_']);
        const response = await passthrough.token(
          req.headers,
          req.query,
          routeName,
          login.ok ? login.registry : cfg.default_registry,
          access ? (grant) => access.issueToken(grant) : undefined,
        );
        return { kind: 'response', response };
      }
      if (ep.kind === 'base') {
        const refused = passthrough.ping(grantOf(req), apiBase);
        if (refused) return { kind: 'response', response: refused };
        return {
          kind: 'response',
          response: {
            status: 200,
            headers: { 'content-type': 'application/json', ...API_VERSION },
            body: '{}',
          },
        };
      }
      const r = routeName(ep.name);
      if (!r.ok)
        return errorDecision(404, 'NAME_UNKNOWN', r.reason, {
          registries: [...table.registries].sort(),
        });
      return repoRequest(req, ep, r, apiBase);
    },
    formatError: (err) => formatOciError(err),
    rateLimits: () => limits.states(),
    browse: ociBrowser,
    clientSetup: (baseUrl) => {
      const host = baseUrl.replace(/^https?:\/\//, '').replace(/\/v2$/, '');
      return [
        `skopeo inspect --tls-verify=false docker://${host}/docker.io/library/alpine:latest`,
        `# dockerd: {"registry-mirrors": ["${baseUrl.replace(/\/v2$/, '')}"]}`,
      ].join('\n');
    },
  };
}

export const ociEcosystem: EcosystemType<typeof ociSchema> = {
  type: 'oci',
  schema: ociSchema,
  defaultPaths: () => ['/v2'],
  create: createOciInstance,
};

/**
 * The passthrough grant a request carries: inside Trove's own token when access control is on,
 * else the bearer token itself.
 */
function grantOf(req: EcosystemRequest): string | null {
  if (req.access) return req.access.extra;
  return /^Bearer (\S+)$/i.exec(req.headers['authorization'] ?? '')?.[1] ?? null;
}
