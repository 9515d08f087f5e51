// The `oci` ecosystem: a pull-through registry mirror (distribution spec v1.1, Docker Registry
// API v2) for many upstream registries, routed by Host, by a registry name as the first path
// component, by ?ns= or to the default registry. Blobs and manifests by digest never change
// and are checked against their digest; a tag's manifest revalidates after `tag_fresh_for`.
import type { Policy, Resource } from '../../engine/types.js';
import { TroveError } from '../../errors.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemRequest,
  EcosystemType,
  InstanceCommon,
  InstanceContext,
} from '../ecosystem.js';
import { hostname } from '../../server/router.js';
import { memoize } from '../common/memo.js';
import { MANIFEST_TYPES, normalizeAccept } from './manifests.js';
import { ociSchema, type OciConfig } from './oci-config.js';
import { parseOciPath, type OciEndpoint } from './oci-request.js';
import { API_VERSION, errorDecision, formatOciError } from './responses.js';
import { DEFAULT_HOST_ROUTES, DEFAULT_REGISTRIES, route, type RoutingTable } from './routing.js';
import { referrersAnswer, tagsAnswer, type ApiContext } from './api-answers.js';
import { TagRevalidation } from './tag-revalidation.js';
import { RegistryAuth, type Credential } from './token-auth.js';

const MiB = 1024 * 1024;

function registryOrigins(cfg: OciConfig, ctx: InstanceContext): Map<string, Origin> {
  const realm = memoize((origin): Origin => ctx.origin([{ url: origin }]));
  const entries: Array<[string, { url: string; headers: Record<string, string>; auth?: unknown }]> =
    [
      ...Object.entries(DEFAULT_REGISTRIES).map(
        ([k, url]): [string, { url: string; headers: Record<string, string> }] => [
          k,
          { url, headers: {} },
        ],
      ),
      ...Object.entries(cfg.registries),
    ];
  const out = new Map<string, Origin>();
  for (const [name, r] of entries) {
    const auth = r.auth as
      | { username: string; password: { reveal(): string } }
      | { bearer: { reveal(): string } }
      | undefined;
    const cred: Credential = !auth
      ? undefined
      : 'bearer' in auth
        ? { bearer: auth.bearer.reveal() }
        : { basic: Buffer.from(`${auth.username}:${auth.password.reveal()}`).toString('base64') };
    const authed = new RegistryAuth(
      ctx.upstream([{ url: r.url, headers: r.headers }]),
      realm,
      cred,
    );
    out.set(name, new TagRevalidation(authed));
  }
  return out;
}

function createOciInstance(
  name: string,
  cfg: OciConfig & InstanceCommon,
  ctx: InstanceContext,
): EcosystemInstance {
  const origins = registryOrigins(cfg, ctx);
  const table: RoutingTable = {
    registries: new Set(origins.keys()),
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
  const tagPolicy: Policy = { ...base, mode: 'revalidate', freshFor: cfg.tag_fresh_for };

  function resourceFor(
    ep: OciEndpoint,
    registry: string,
    repo: string,
    req: EcosystemRequest,
  ): Resource | Decision {
    const origin = origins.get(registry);
    if (!origin) return errorDecision(404, 'NAME_UNKNOWN', `no registry ${registry}`);
    const common = { origin, keepHeaders: ['content-type', 'docker-content-digest', 'link'] };
    const path = (tail: string): string => `v2/${repo}/${tail}`;
    switch (ep.kind) {
      case 'blob':
        return {
          ...common,
          key: `${registry}/${repo}/blobs/${ep.digest}`,
          class: 'artifact',
          policy: immutable,
          upstreamPath: path(`blobs/${ep.digest}`),
          fixedHeaders: { 'docker-content-digest': ep.digest, ...API_VERSION },
          ...expectDigest(ep.digest),
        };
      case 'manifest': {
        const accept = normalizeAccept(req.headers['accept']);
        if (ep.byDigest) {
          const all = [...new Set([...accept, ...MANIFEST_TYPES])].sort();
          return {
            ...common,
            key: `${registry}/${repo}/manifests/${ep.reference}`,
            class: 'metadata',
            policy: immutable,
            upstreamPath: path(`manifests/${ep.reference}`),
            upstreamHeaders: { accept: all.join(', ') },
            fixedHeaders: { 'docker-content-digest': ep.reference, ...API_VERSION },
            maxSize: 4 * MiB,
            ...expectDigest(ep.reference),
          };
        }
        return {
          ...common,
          key: `${registry}/${repo}/manifests/${ep.reference}#${accept.join(',')}`,
          class: 'metadata',
          policy: tagPolicy,
          upstreamPath: path(`manifests/${ep.reference}`),
          upstreamHeaders: { accept: accept.join(', ') },
          fixedHeaders: { ...API_VERSION },
          digestHeader: 'docker-content-digest',
          maxSize: 4 * MiB,
          // A tag's manifest must be the bytes the registry says it is.
          verify: async (body) => {
            const said = body.headers['docker-content-digest'];
            if (said?.startsWith('sha256:') && said !== `sha256:${body.sha256}`) {
              throw new TroveError(
                'TROVE_ERR_VERIFY',
                `manifest digest ${said} does not match its bytes`,
              );
            }
          },
        };
      }
      case 'tags':
        return {
          ...common,
          key: `${registry}/${repo}/tags/list?${normalizeQuery(req.query)}`,
          class: 'metadata',
          policy: tagPolicy,
          upstreamPath: `${path('tags/list')}${req.query ? `?${normalizeQuery(req.query)}` : ''}`,
          maxSize: 16 * MiB,
        };
      case 'referrers':
        return {
          ...common,
          key: `${registry}/${repo}/referrers/${ep.digest}`,
          class: 'metadata',
          policy: tagPolicy,
          upstreamPath: path(`referrers/${ep.digest}`),
          maxSize: 16 * MiB,
        };
      default:
        return errorDecision(405, 'UNSUPPORTED', 'not a read-only registry operation');
    }
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
    handle(req: EcosystemRequest): Decision | Promise<Decision> {
      const segs =
        req.prefix === ''
          ? req.segments[0] === 'v2'
            ? req.segments.slice(1)
            : null
          : req.segments;
      if (!segs) return errorDecision(404, 'NOT_FOUND', 'registry API paths start with /v2/');
      const parsed = parseOciPath(segs);
      if (!parsed.ok) return errorDecision(parsed.status, parsed.code, parsed.message);
      const ep = parsed.endpoint;
      if (ep.kind === 'push' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        return errorDecision(
          405,
          'UNSUPPORTED',
          'Trove is a read-only mirror: push and delete are not supported',
        );
      }
      if (ep.kind === 'base') {
        return {
          kind: 'response',
          response: {
            status: 200,
            headers: { 'content-type': 'application/json', ...API_VERSION },
            body: '{}',
          },
        };
      }
      const ns = new URLSearchParams(req.query).get('ns');
      const r = route(ep.name, hostname(req.headers.host), ns, table);
      if (!r.ok)
        return errorDecision(404, 'NAME_UNKNOWN', r.reason, {
          registries: [...table.registries].sort(),
        });
      const resource = resourceFor(ep, r.registry, r.repo, req);
      if ('kind' in resource) return resource;
      const api: ApiContext = {
        load: ctx.load,
        base: `${req.prefix === '' ? `${req.baseUrl}/v2` : req.baseUrl}/${ep.name.join('/')}`,
      };
      if (ep.kind === 'tags') return tagsAnswer(resource, api);
      if (ep.kind === 'referrers') {
        const fallback = resourceFor(
          {
            kind: 'manifest',
            name: ep.name,
            reference: ep.digest.replace(':', '-'),
            byDigest: false,
          },
          r.registry,
          r.repo,
          { ...req, headers: { accept: 'application/vnd.oci.image.index.v1+json' } },
        );
        return referrersAnswer(
          resource,
          'kind' in fallback ? null : fallback,
          new URLSearchParams(req.query).get('artifactType'),
          api,
        );
      }
      // containerd's ?ns= is echoed back, as the distribution spec's mirror extension asks.
      return {
        kind: 'resource',
        resource,
        ...(r.via === 'ns' ? { headers: { 'oci-namespace': r.registry } } : {}),
      };
    },
    formatError: formatOciError,
    clientSetup: (baseUrl) => {
      const host = baseUrl.replace(/^https?:\/\//, '').replace(/\/v2$/, '');
      return [
        `skopeo inspect --tls-verify=false docker://${host}/docker.io/library/alpine:latest`,
        `# dockerd: {"registry-mirrors": ["${baseUrl.replace(/\/v2$/, '')}"]}`,
      ].join('\n');
    },
  };
}

function expectDigest(digest: string): Pick<Resource, 'expect'> {
  const [alg, hex] = digest.split(':') as [string, string];
  return alg === 'sha256' || alg === 'sha512'
    ? { expect: { digests: [{ algorithm: alg, hex }] } }
    : {};
}

function normalizeQuery(query: string): string {
  const p = new URLSearchParams(query);
  const out = new URLSearchParams();
  for (const k of ['n', 'last']) {
    const v = p.get(k);
    if (v !== null) out.set(k, v);
  }
  return out.toString();
}

export const ociEcosystem: EcosystemType<typeof ociSchema> = {
  type: 'oci',
  schema: ociSchema,
  defaultPaths: () => ['/v2'],
  create: createOciInstance,
};
