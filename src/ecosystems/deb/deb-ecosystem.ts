// The `deb` ecosystem: a pull-through apt mirror. Suites (and flat repositories) are discovered
// from requests and kept as generations: InRelease, Release and the indexes clients use are
// served from one verified set, never a mix; packages are verified against Packages before they
// are kept; an outage serves the last set, never a 404.
import { TroveError, toTroveError } from '../../errors.js';
import type { Resource } from '../../engine/types.js';
import { RepoRoots, type Answer } from '../../repos/repo-roots.js';
import type {
  Decision,
  EcosystemInstance,
  EcosystemRequest,
  EcosystemType,
  InstanceContext,
  SyntheticResponse,
} from '../ecosystem.js';
import { retryableStatus, textError } from '../common/responses.js';
import { encodeSegment } from '../common/url.js';
import { debSchema, type DebConfig } from './deb-config.js';
import { debFormat } from './deb-format.js';
import { placeOf } from './deb-path.js';

function debError(err: TroveError): SyntheticResponse {
  return textError(err, retryableStatus(err));
}

/** Relayed as it is and never kept: mirror extras, and packages no known index lists yet. */
function passThrough(req: EcosystemRequest): Resource {
  return {
    key: `pass/${req.path}`,
    class: 'auxiliary',
    policy: { mode: 'bypass', freshFor: 0, busy: 'wait', expireAfter: null, negativeTtl: 0 },
    upstreamPath: req.segments.map(encodeSegment).join('/'),
    keepHeaders: ['content-type', 'last-modified'],
  };
}

function decision(a: Answer, req: EcosystemRequest): Decision {
  if (a.kind === 'resource') return { kind: 'resource', resource: a.resource };
  if (a.kind === 'error') return { kind: 'response', response: debError(a.error) };
  return { kind: 'resource', resource: passThrough(req) };
}

function createDebInstance(name: string, cfg: DebConfig, ctx: InstanceContext): EcosystemInstance {
  const roots = new RepoRoots(
    {
      format: debFormat,
      origins: cfg.upstreams.map((u) => ctx.upstream([u])),
      pool: ctx.upstream(cfg.upstreams),
      load: (r) => ctx.load(r),
      open: (r) => ctx.open(r),
      records: ctx.records('roots'),
      log: ctx.log,
    },
    {
      refreshInterval: cfg.refresh_interval,
      firstWait: cfg.first_wait,
      expired: cfg.expired,
      maxTopSize: cfg.max_release_size,
      maxIndexSize: cfg.max_index_size,
      maxPackageSize: cfg.max_package_size,
      concurrency: cfg.refresh_concurrency,
      expireAfter: cfg.expire_after ?? null,
      offline: ctx.offline,
    },
  );
  async function answer(req: EcosystemRequest): Promise<Answer> {
    const place = placeOf(req.path, roots.paths());
    switch (place.kind) {
      case 'top':
        return roots.top(place.root, place.name, req.client);
      case 'by-hash':
        return roots.byHash(place.root, place.dir, place.digest);
      case 'member': {
        const a = await roots.member(place.root, place.rel, req.client);
        return a.kind === 'pass' ? roots.artifact(req.path) : a;
      }
      case 'other':
        return roots.artifact(req.path);
    }
  }

  return {
    name,
    type: 'deb',
    offlineMissStatus: 504,
    async handle(req) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        const err = new TroveError(
          'TROVE_ERR_METHOD',
          `${req.method} is not supported by a mirror`,
        );
        return { kind: 'response', response: textError(err) };
      }
      try {
        return decision(await answer(req), req);
      } catch (err) {
        return { kind: 'response', response: debError(toTroveError(err)) };
      }
    },
    formatError: debError,
    rootCounts: () => roots.counts(),
    close: () => roots.close(),
    clientSetup: (baseUrl) =>
      [
        '# /etc/apt/sources.list.d/trove.sources (the suite and components of your system)',
        'Types: deb',
        `URIs: ${baseUrl}/`,
        'Suites: bookworm bookworm-updates',
        'Components: main',
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg',
      ].join('\n'),
  };
}

export const debEcosystem: EcosystemType<typeof debSchema> = {
  type: 'deb',
  schema: debSchema,
  create: createDebInstance,
};
