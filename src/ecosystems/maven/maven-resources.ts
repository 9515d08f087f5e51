// The cache resources behind a Maven mirror. Release artifacts, their sidecars and signatures
// are immutable; SNAPSHOT files and maven-metadata.xml revalidate. An artifact is verified on
// ingest against the repository's `.sha1` sidecar (read through the cache) and any
// X-Checksum-* header it sends, and is stored with its sha1, md5 and sha256 as X-Checksum-*
// headers. Checksums of maven-metadata.xml are always computed from the copy Trove serves, so
// a client never gets a metadata file with the checksum of another version of it.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pieces, type PositionalReader } from '../../derive/pieces.js';
import type { Loaded } from '../../engine/engine.js';
import type { Policy, Prepared, Resource } from '../../engine/types.js';
import type { BodyView } from '../../engine/types.js';
import { TroveError } from '../../errors.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type { InstanceContext, SyntheticResponse } from '../ecosystem.js';
import { notFoundFallback } from '../common/fallback-origin.js';
import { freshness, ruleOverrides } from '../common/policy.js';
import { encodePath } from '../common/url.js';
import { parseChecksum } from './checksum-file.js';
import type { MavenConfig } from './maven-config.js';
import type { SumAlgorithm } from './maven-request.js';

const FOREVER = Number.MAX_SAFE_INTEGER;

async function checkMetadata(body: BodyView): Promise<void> {
  const head = (await body.read(0, Math.min(body.size, 512))).toString('utf8').trimStart();
  if (!/^(?:<\?xml[^>]*\?>\s*)?(?:<!--[\s\S]*?-->\s*)*<metadata[\s>]/.test(head)) {
    throw new TroveError(
      'TROVE_ERR_UPSTREAM_BODY',
      'upstream maven-metadata.xml refused: it is not a <metadata> document',
    );
  }
}

async function digestOf(body: PositionalReader, algorithm: SumAlgorithm): Promise<string> {
  const hash = createHash(algorithm);
  for await (const piece of pieces(body)) hash.update(piece);
  return hash.digest('hex');
}

function text(status: number, body: string): SyntheticResponse {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8' }, body };
}

export class MavenResources {
  readonly #cfg: MavenConfig;
  readonly #ctx: InstanceContext;
  readonly #rules: (path: string, p: Policy) => Policy;
  readonly origin: Origin;

  constructor(cfg: MavenConfig, ctx: InstanceContext) {
    this.#cfg = cfg;
    this.#ctx = ctx;
    this.#rules = ruleOverrides(cfg.rules);
    const fallback = cfg.fallback.length > 0 ? ctx.upstream(cfg.fallback) : null;
    this.origin = notFoundFallback(ctx.upstream(cfg.upstreams), fallback);
  }

  #policy(segments: readonly string[], changing: boolean, over: Partial<Policy> = {}): Policy {
    const base = freshness(this.#cfg, {
      negativeTtl: this.#cfg.negative_ttl,
      ...(changing ? {} : { mode: 'immutable' as const }),
      ...over,
    });
    return this.#rules(segments.join('/'), base);
  }

  /** maven-metadata.xml; `lenient` serves whatever copy is cached without asking again. */
  metadata(segments: readonly string[], lenient = false): Resource {
    return {
      key: `m/${segments.join('/')}`,
      class: 'metadata',
      policy: this.#policy(segments, true, lenient ? { freshFor: FOREVER } : {}),
      origin: this.origin,
      upstreamPath: encodePath(segments),
      keepHeaders: ['content-type', 'last-modified'],
      verify: checkMetadata,
      maxSize: 64 * 1024 * 1024,
    };
  }

  /** A checksum of the maven-metadata.xml Trove serves, computed from that very copy. */
  async metadataSum(
    segments: readonly string[],
    algorithm: SumAlgorithm,
  ): Promise<SyntheticResponse> {
    const opened = await this.#ctx.open(this.metadata(segments, true));
    if (opened.kind === 'negative') return text(opened.status, `${opened.reason ?? 'not found'}\n`);
    try {
      return text(200, await digestOf(opened, algorithm));
    } finally {
      await opened.close();
    }
  }

  /** An artifact (or signature, or any other file), verified on ingest. */
  file(segments: readonly string[], snapshot: boolean): Resource {
    return {
      key: `f/${segments.join('/')}`,
      class: 'artifact',
      policy: this.#policy(segments, snapshot),
      origin: this.origin,
      upstreamPath: encodePath(segments),
      keepHeaders: ['content-type', 'last-modified'],
      checksumHeaders: ['sha1', 'md5', 'sha256'],
      maxSize: this.#cfg.max_artifact_size,
      holdUntilVerified: true,
      prepare: () => this.#prepareFile(segments, snapshot),
    };
  }

  /** A sidecar as the repository has it (a 404 is remembered like any other). */
  upstreamSum(segments: readonly string[], algorithm: SumAlgorithm, snapshot: boolean): Resource {
    const path = [...segments.slice(0, -1), `${segments.at(-1) as string}.${algorithm}`];
    return {
      key: `s/${path.join('/')}`,
      class: 'auxiliary',
      policy: this.#policy(path, snapshot),
      origin: this.origin,
      upstreamPath: encodePath(path),
      keepHeaders: ['content-type', 'last-modified'],
      fixedHeaders: { 'content-type': 'text/plain' },
      maxSize: 64 * 1024,
    };
  }

  async #prepareFile(segments: readonly string[], snapshot: boolean): Promise<Prepared> {
    // The .sha1 the client asks for next anyway (Wagon always does): read through the cache.
    const loaded: Loaded = await this.#ctx.load(this.upstreamSum(segments, 'sha1', snapshot));
    if (loaded.kind === 'negative') return {};
    const hex = parseChecksum(loaded.body.toString('utf8'), 'sha1');
    if (!hex) {
      throw new TroveError(
        'TROVE_ERR_UPSTREAM_BODY',
        `the repository's ${segments.at(-1) as string}.sha1 holds no sha1`,
      );
    }
    return { expect: { digests: [{ algorithm: 'sha1', hex }] } };
  }

  /**
   * A sidecar as clients get it: the repository's own when it has one; else made from the
   * digest of the file as Trove keeps it (the X-Checksum-* it stored), so strict clients
   * (`mvn -C`) still find one. Worked out once, on a miss; a hit is a plain read.
   */
  sidecar(segments: readonly string[], algorithm: SumAlgorithm, snapshot: boolean): Resource {
    const own = this.upstreamSum(segments, algorithm, snapshot);
    const ctx = this.#ctx;
    const file = this.file(segments, snapshot);
    const made = async (): Promise<{ status: number; text: string }> => {
      const loaded = await ctx.load(own);
      if (loaded.kind === 'body') return { status: 200, text: loaded.body.toString('utf8') };
      const opened = await ctx.open(file);
      if (opened.kind === 'negative') {
        return { status: opened.status, text: `${opened.reason ?? 'not found'}\n` };
      }
      try {
        const stored =
          algorithm === 'sha256' ? opened.digest : opened.headers[`x-checksum-${algorithm}`];
        return { status: 200, text: stored ?? (await digestOf(opened, algorithm)) };
      } finally {
        await opened.close();
      }
    };
    return {
      ...own,
      key: `c/${own.key.slice(2)}`,
      derived: true,
      origin: {
        async fetch() {
          const m = await made();
          const body = Buffer.from(m.text);
          const headers = { 'content-type': 'text/plain', 'content-length': String(body.length) };
          return {
            status: m.status,
            headers,
            body: Readable.from([body]),
            url: 'derived:',
            upstream: 0,
          };
        },
      },
    };
  }
}
