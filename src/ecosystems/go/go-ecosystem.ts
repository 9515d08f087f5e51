// The `go` ecosystem: a GOPROXY protocol server with a checksum database proxy, private module
// patterns and allow/deny rules. Canonical .info/.mod/.zip never change; lists, @latest and
// query .info revalidate. Mounted at /<name> and at the root, so GOPROXY=http://host:port works.
import type { Policy, Resource, ResourceClass } from '../../engine/types.js';
import { TroveError } from '../../errors.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemRequest,
  EcosystemType,
  InstanceCommon,
  InstanceContext,
} from '../ecosystem.js';
import { textError } from '../common/responses.js';
import { encodePath } from '../common/url.js';
import { Gatekeeper } from './gatekeeper.js';
import { goSchema, type GoConfig } from './go-config.js';
import { parseGoPath, type GoEndpoint } from './go-request.js';
import { listAnswer, resolvedAnswer, type MetadataContext } from './metadata-answers.js';
import { compilePatterns, matchesAny } from './patterns.js';
import { textResponse } from './responses.js';
import { sumdbDecision, type SumdbTarget } from './sumdb-proxy.js';

const MiB = 1024 * 1024;
/** x/mod zip limits: 500 MiB per module zip, 16 MiB per go.mod. */
const MAX_SIZE = { zip: 500 * MiB, mod: 16 * MiB, meta: 16 * MiB };

function policies(cfg: GoConfig) {
  const base = {
    busy: 'stale',
    expireAfter: cfg.expire_after ?? null,
    negativeTtl: cfg.negative_ttl,
  } as const;
  const immutable: Policy = { ...base, mode: 'immutable', freshFor: 0 };
  const query: Policy = { ...base, mode: 'revalidate', freshFor: cfg.query_fresh_for };
  const sumdbMoving: Policy = { ...base, mode: 'revalidate', freshFor: cfg.sumdb_fresh_for };
  return { immutable, query, sumdbMoving };
}

function createGoInstance(
  name: string,
  cfg: GoConfig & InstanceCommon,
  ctx: InstanceContext,
): EcosystemInstance {
  const privates = compilePatterns(cfg.private);
  const isPrivate = (module: string): boolean => matchesAny(privates, module);
  const gate = new Gatekeeper(cfg.allow, cfg.deny);
  const p = policies(cfg);
  const sumdbs = new Map<string, SumdbTarget>(
    cfg.sumdb.map((s) => [s.name, { name: s.name, origin: ctx.origin([{ url: s.url }]) }]),
  );

  const resource = (
    segments: readonly string[],
    cls: ResourceClass,
    policy: Policy,
    maxSize: number,
    cacheOnly: boolean,
  ): Resource => ({
    key: segments.join('/'),
    class: cls,
    policy,
    upstreamPath: encodePath(segments),
    keepHeaders: ['content-type'],
    maxSize,
    ...(cacheOnly ? { cacheOnly } : {}),
  });

  function moduleDecision(
    ep: Exclude<GoEndpoint, { kind: 'sumdb' }>,
    segments: readonly string[],
    cacheOnly: boolean,
  ): Decision | Promise<Decision> {
    if (isPrivate(ep.module)) {
      return textResponse(
        404,
        `not found: ${ep.module} is private; Trove does not ask public proxies for it`,
      );
    }
    const pinned = 'version' in ep && ep.canonical ? ep.version : undefined;
    const refusal = gate.refusal(ep.module, pinned);
    if (refusal) return textResponse(403, refusal);
    const moduleSegs = segments.slice(
      0,
      segments.findIndex((s) => s.startsWith('@')),
    );
    const meta: MetadataContext = {
      load: ctx.load,
      gate,
      sibling: (file) =>
        resource([...moduleSegs, '@v', file], 'metadata', p.query, MAX_SIZE.meta, cacheOnly),
    };
    switch (ep.kind) {
      case 'list':
        return listAnswer(
          ep.module,
          resource(segments, 'metadata', p.query, MAX_SIZE.meta, cacheOnly),
          meta,
        );
      case 'latest':
      case 'info': {
        if (ep.kind === 'info' && ep.canonical) {
          return {
            kind: 'resource',
            resource: resource(segments, 'metadata', p.immutable, MAX_SIZE.meta, cacheOnly),
          };
        }
        const r = resource(segments, 'metadata', p.query, MAX_SIZE.meta, cacheOnly);
        if (!gate.versioned) return { kind: 'resource', resource: r };
        return resolvedAnswer(ep.module, r, ep.kind === 'latest', meta);
      }
      case 'mod':
        return {
          kind: 'resource',
          resource: resource(segments, 'metadata', p.immutable, MAX_SIZE.mod, cacheOnly),
        };
      case 'zip':
        return {
          kind: 'resource',
          resource: resource(segments, 'artifact', p.immutable, MAX_SIZE.zip, cacheOnly),
        };
    }
  }

  return {
    name,
    type: 'go',
    // A miss while offline is "not here": the go command moves on to its next GOPROXY entry.
    offlineMissStatus: 404,
    handle(req: EcosystemRequest) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return textResponse(405, `${req.method} is not part of the GOPROXY protocol`, {
          allow: 'GET, HEAD',
        });
      }
      const parsed = parseGoPath(req.segments);
      if (!parsed.ok) return textResponse(parsed.status, parsed.reason);
      const ep = parsed.endpoint;
      if (ep.kind === 'sumdb') {
        return sumdbDecision(
          sumdbs.get(ep.name),
          ep.name,
          ep.rest,
          { immutable: p.immutable, moving: p.sumdbMoving },
          isPrivate,
        );
      }
      const header = req.headers['disable-module-fetch'];
      const cacheOnly =
        parsed.cacheOnly || (typeof header === 'string' && header.trim().toLowerCase() === 'true');
      return moduleDecision(ep, parsed.segments, cacheOnly);
    },
    formatError: (err: TroveError) => textError(err),
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
