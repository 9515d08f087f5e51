// The `npm` ecosystem: a pull-through mirror for npm, pnpm and yarn. Packuments in both
// representations (chosen by Accept, `Vary: Accept`), tarballs verified against the packument
// on ingest, scoped upstreams as .npmrc routes them, and the /-/ endpoints (audit, search,
// ping, keys) relayed upstream uncached.
import type { IncomingHttpHeaders } from 'node:http';
import { npmBrowser } from './npm-browse.js';
import { TroveError, toTroveError } from '../../errors.js';
import { accessTargetOf } from '../common/access-target.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemType,
  InstanceContext,
  RequestAccess,
} from '../ecosystem.js';
import { acceptsGzip, negotiate } from '../common/accept.js';
import { npmSchema, type NpmConfig } from './npm-config.js';
import { classify, type NpmRequest } from './npm-request.js';
import { CORGI, FULL, NpmResources, type Representation } from './npm-resources.js';
import { npmError } from './responses.js';

/** Client headers an upstream needs to answer a relayed request (not the client's credentials). */
const RELAYED_HEADERS = [
  'accept',
  'accept-encoding',
  'content-type',
  'content-encoding',
  'npm-command',
  'npm-session',
  'user-agent',
];

function relayHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of RELAYED_HEADERS) {
    const v = h[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

function decide(
  r: NpmRequest,
  res: NpmResources,
  cfg: NpmConfig,
  req: {
    headers: IncomingHttpHeaders;
    baseUrl: string;
  },
): Decision {
  switch (r.kind) {
    case 'packument': {
      const repr = (negotiate(req.headers.accept, [FULL, CORGI]) ?? FULL) as Representation;
      const gzip = acceptsGzip(req.headers['accept-encoding']);
      return {
        kind: 'resource',
        resource: res.document(r.name, repr, req.baseUrl, gzip),
        headers: { vary: 'Accept, Accept-Encoding' },
      };
    }
    case 'tarball':
      return { kind: 'resource', resource: res.tarball(r.name, r.file) };
    case 'relay':
      return {
        kind: 'forward',
        forward: {
          origin: res.upstreamFor(r.name).origin,
          path: r.path,
          method: r.method,
          headers: relayHeaders(req.headers),
          maxBody: cfg.max_request_body,
        },
      };
  }
}

function whoami(access: RequestAccess): Decision {
  if (access.subject === null) {
    const err = new TroveError('TROVE_ERR_UNAUTHORIZED', 'not logged in');
    return { kind: 'response', response: npmError(err) };
  }
  const body = JSON.stringify({ username: access.subject });
  return {
    kind: 'response',
    response: { status: 200, headers: { 'content-type': 'application/json' }, body },
  };
}

function createNpmInstance(name: string, cfg: NpmConfig, ctx: InstanceContext): EcosystemInstance {
  const resources = new NpmResources(cfg, ctx);
  return {
    name,
    type: 'npm',
    offlineMissStatus: 504,
    encodedSlashes: true,
    upstream: resources.default.origin,
    accessTarget: accessTargetOf(
      (req) => classify(req.segments, req.method, req.query),
      (r) => (r.name ? { name: r.name.full } : { instance: true }),
    ),
    handle(req) {
      try {
        const r = classify(req.segments, req.method, req.query);
        // With access control on, Trove knows who the client is (`npm whoami`).
        if (req.access && r.kind === 'relay' && r.path === '-/whoami') return whoami(req.access);
        return decide(r, resources, cfg, req);
      } catch (err) {
        return { kind: 'response', response: npmError(toTroveError(err)) };
      }
    },
    formatError: npmError,
    browse: npmBrowser,
    clientSetup: (baseUrl) =>
      [
        `npm config set registry ${baseUrl}/`,
        `pnpm config set registry ${baseUrl}/`,
        `yarn config set registry ${baseUrl}/            # yarn 1`,
        `yarn config set npmRegistryServer ${baseUrl}    # yarn 2+`,
      ].join('\n'),
  };
}

export const npmEcosystem: EcosystemType<typeof npmSchema> = {
  type: 'npm',
  schema: npmSchema,
  create: createNpmInstance,
};
