// An instance of a Linux repository ecosystem (deb, rpm, pacman, apk): the shared machinery of
// roots and generations, with the ecosystem's format and its reading of request paths. Each
// ecosystem gives protocol facts only; answering, pass-through and errors are the same for all.
import { TroveError, toTroveError } from '../../errors.js';
import type { Resource } from '../../engine/types.js';
import { RepoRoots, type Answer, type Digest } from '../../repos/repo-roots.js';
import type { RepoFormat } from '../../repos/repo-format.js';
import type { z } from 'zod';
import type {
  Decision,
  EcosystemInstance,
  EcosystemType,
  EcosystemRequest,
  InstanceContext,
  SyntheticResponse,
} from '../ecosystem.js';
import type { RepoConfig } from './repo-config.js';
import { retryableStatus, textError } from './responses.js';
import { encodeSegment } from './url.js';
import type { AddressPin } from '../../repos/client-pins.js';

/** Where a request path sits in a repository, as the ecosystem reads it. */
export type RepoPlace =
  /** A top file of a root (`InRelease`, `repodata/repomd.xml`, `core.db`). */
  | { kind: 'top'; root: string; name: string }
  /** A file named by its digest below a root (apt's by-hash). */
  | { kind: 'by-hash'; root: string; dir: string; digest: Digest }
  /** A file below a root that its top file may list. */
  | { kind: 'member'; root: string; rel: string }
  /** Anything else: packages, mirror extras. */
  | { kind: 'other' };

export interface RepoEcosystem<C extends RepoConfig = RepoConfig> {
  type: string;
  format: RepoFormat;
  /** `known` are the roots discovered so far, longest first. */
  place(path: string, known: readonly string[]): RepoPlace;
  /** The largest top file accepted, from the instance's config. */
  maxTopSize(cfg: C): number;
  clientSetup(baseUrl: string): string;
}

/** The ecosystem type of a Linux repository format: its schema, and instances of the machinery. */
export function repoEcosystemType<S extends z.ZodType<RepoConfig, z.ZodTypeDef, unknown>>(
  schema: S,
  eco: RepoEcosystem<z.output<S>>,
): EcosystemType<S> {
  return {
    type: eco.type,
    schema,
    create: (name, cfg, ctx) => createRepoInstance(eco as RepoEcosystem, name, cfg, ctx),
  };
}

function repoError(err: TroveError): SyntheticResponse {
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
  if (a.kind === 'error') return { kind: 'response', response: repoError(a.error) };
  return { kind: 'resource', resource: passThrough(req) };
}

export function createRepoInstance(
  eco: RepoEcosystem,
  name: string,
  cfg: RepoConfig,
  ctx: InstanceContext,
): EcosystemInstance {
  const roots = new RepoRoots(
    {
      format: eco.format,
      origins: cfg.upstreams.map((u) => ctx.upstream([u])),
      pool: ctx.upstream(cfg.upstreams),
      load: (r) => ctx.load(r),
      open: (r) => ctx.open(r),
      records: ctx.records('roots'),
      once: (job, run) => ctx.once(job, run),
      pins: {
        tell: (pin) => ctx.tell('pin', pin),
        hear: (heard) => ctx.hear('pin', (v) => heard(v as AddressPin)),
      },
      log: ctx.log,
    },
    {
      refreshInterval: cfg.refresh_interval,
      firstWait: cfg.first_wait,
      expired: cfg.expired ?? 'serve',
      maxTopSize: eco.maxTopSize(cfg),
      maxIndexSize: cfg.max_index_size ?? eco.maxTopSize(cfg),
      maxPackageSize: cfg.max_package_size,
      concurrency: cfg.refresh_concurrency,
      expireAfter: cfg.expire_after ?? null,
      offline: ctx.offline,
    },
  );
  async function answer(req: EcosystemRequest): Promise<Answer> {
    const place = eco.place(req.path, roots.paths());
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
    type: eco.type,
    offlineMissStatus: 504,
    // Linux repositories are named by path below the mount: `dists/bookworm/**`, `pool/**`.
    accessTarget: (req) => ({ name: req.path }),
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
        return { kind: 'response', response: repoError(toTroveError(err)) };
      }
    },
    formatError: repoError,
    rootCounts: () => roots.counts(),
    close: () => roots.close(),
    clientSetup: eco.clientSetup,
  };
}
