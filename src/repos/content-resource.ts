// Resources for what a root's metadata names by digest: a listed file (an index), a top file
// kept for a generation, a package. The key is the content digest, so a file is stored once
// whatever generations list it, and bytes are served only under the digest they match.
import { Readable } from 'node:stream';
import type { ExpectedDigest, Policy, Resource, ResourceClass } from '../engine/types.js';
import type { FetchInit, Origin, UpstreamResponse } from '../upstream/upstream-pool.js';

const STRENGTH: ReadonlyArray<ExpectedDigest['algorithm']> = ['sha512', 'sha256', 'sha1', 'md5'];

export interface ContentPolicy {
  /** Drop content not read for this long (ms); null keeps it until evicted. */
  expireAfter: number | null;
}

export const contentPolicy = (c: ContentPolicy): Policy => ({
  mode: 'immutable',
  freshFor: 0,
  busy: 'wait',
  expireAfter: c.expireAfter,
  negativeTtl: 0,
});

/** The cache key of content known by these digests: by sha256 when listed, else the strongest. */
export function contentKey(digests: readonly ExpectedDigest[]): string {
  const sha = digests.find((d) => d.algorithm === 'sha256');
  if (sha) return `sha256/${sha.hex}`;
  const best = STRENGTH.map((a) => digests.find((d) => d.algorithm === a)).find(Boolean);
  if (!best) throw new Error('content without a digest');
  return `${best.algorithm}/${best.hex}`;
}

/** An origin that asks for each path in turn while the answer is 404/410 (by-hash, then plain). */
export function firstFound(origin: Origin, paths: readonly string[]): Origin {
  return {
    async fetch(_path: string, init?: FetchInit): Promise<UpstreamResponse> {
      let last: UpstreamResponse | undefined;
      for (const p of paths) {
        last?.body.destroy();
        last = await origin.fetch(p, init);
        if (last.status !== 404 && last.status !== 410) return last;
      }
      if (!last) throw new Error('firstFound needs a path');
      return last;
    },
  };
}

/** An origin that answers with bytes already fetched (a top file kept for a generation). */
export function heldOrigin(body: Buffer, headers: Record<string, string>): Origin {
  return {
    fetch: async (path: string): Promise<UpstreamResponse> => ({
      status: 200,
      headers: { ...headers, 'content-length': String(body.length) },
      body: Readable.from([body]),
      url: path,
      upstream: 0,
    }),
  };
}

export interface ContentSpec {
  cls: ResourceClass;
  policy: Policy;
  /** Where it lives upstream, in the order to try. */
  paths: readonly string[];
  origin: Origin;
  size?: number;
  digests: readonly ExpectedDigest[];
  keepHeaders: readonly string[];
  maxSize?: number;
  /** Overrides the key (a package keeps its name in the key, for people reading the index). */
  key?: string;
  /** Stored with the body whatever the upstream sends (a generation's Last-Modified). */
  fixedHeaders?: Record<string, string>;
  /** A refusal is a 502 rather than a cut stream, for bodies up to 4 MiB. */
  hold?: boolean;
  /** A last check of the complete body (what digests of the whole file cannot express). */
  verify?: Resource['verify'];
}

export function contentResource(s: ContentSpec): Resource {
  return {
    key: s.key ?? contentKey(s.digests),
    class: s.cls,
    policy: s.policy,
    origin: s.paths.length > 1 ? firstFound(s.origin, s.paths) : s.origin,
    upstreamPath: s.paths[0] ?? '',
    keepHeaders: s.keepHeaders,
    expect: { ...(s.size !== undefined ? { size: s.size } : {}), digests: [...s.digests] },
    ...(s.maxSize !== undefined ? { maxSize: s.maxSize } : {}),
    ...(s.fixedHeaders ? { fixedHeaders: s.fixedHeaders } : {}),
    ...(s.hold ? { holdUntilVerified: true } : {}),
    ...(s.verify ? { verify: s.verify } : {}),
  };
}
