// What an ecosystem hands the engine: a cacheable resource, with its key, policy, how to fetch
// it upstream and how to verify it.
import type { Origin } from '../upstream/upstream-pool.js';

export type PolicyMode = 'bypass' | 'immutable' | 'revalidate';
export type BusyPolicy = 'stale' | 'wait';
export type ResourceClass = 'metadata' | 'artifact' | 'auxiliary';

export interface Policy {
  mode: PolicyMode;
  /** How long a revalidate entry is served without asking upstream (ms). */
  freshFor: number;
  /** With a stale copy and a fill running: serve the stale copy, or wait for the fill. */
  busy: BusyPolicy;
  /** Drop the entry when not accessed for this long (ms); null keeps it until evicted. */
  expireAfter: number | null;
  /** How long a 404/410 is remembered (ms); 0 disables negative caching. */
  negativeTtl: number;
}

export type DigestAlgorithm = 'sha256' | 'sha512' | 'sha1' | 'md5';

export interface ExpectedDigest {
  algorithm: DigestAlgorithm;
  /** Lower-case hex. */
  hex: string;
}

export interface Resource {
  /** Cache key, unique within the instance. */
  key: string;
  class: ResourceClass;
  policy: Policy;
  /** Where to fetch from instead of the instance's upstreams (e.g. a checksum database). */
  origin?: Origin;
  /**
   * The origin makes the body from other cached resources (rewritten metadata), not over the
   * network: offline mode still fills it, from what the cache holds.
   */
  derived?: boolean;
  /** Serve only from the cache: a miss answers like an offline miss. */
  cacheOnly?: boolean;
  /** Path and query to append to each upstream base URL (no leading slash). */
  upstreamPath: string;
  /** Extra request headers sent upstream. */
  upstreamHeaders?: Record<string, string>;
  /** Upstream response headers kept with the object and replayed to clients (lower-case). */
  keepHeaders: readonly string[];
  /** Headers stored and replayed whatever the upstream sent (e.g. a digest the key implies). */
  fixedHeaders?: Record<string, string>;
  /** A header set to "sha256:<hex of the body>" when the body is stored (Docker-Content-Digest). */
  digestHeader?: string;
  /** Digests stored with the body as `x-checksum-<algorithm>` headers (hex), for every hit. */
  checksumHeaders?: readonly DigestAlgorithm[];
  /** Expected length and digests; the fill is discarded when they do not match. */
  expect?: { size?: number; digests?: ExpectedDigest[] };
  /**
   * A last check of the complete body before it is committed, for checksums that need the
   * whole object (a module zip's h1: hash). Throwing refuses the body: nothing is cached.
   */
  verify?(body: BodyView): Promise<void>;
  /**
   * Told once a fill of this resource is committed: a new copy is in the cache (Go's module
   * index feed records versions so). Not awaited; it must not throw.
   */
  committed?(): void;
  /**
   * The body is known by its sha256 (a manifest by digest): on a miss, an entry of this
   * instance under `keyPrefix` with that very body is served, and kept under this key too,
   * instead of asking the upstream (or failing offline).
   */
  sameBodyAs?: { sha256: string; keyPrefix: string };
  /**
   * Called once before a fill starts (never on a hit): what the fill needs from other cached
   * resources, such as the digests a metadata document lists for this artifact, or where the
   * artifact really lives. Throwing fails the fill with that error; nothing is cached.
   */
  prepare?(): Promise<Prepared>;
  /**
   * Hold a body of up to 4 MiB until it is verified, so a refusal reaches the client as an
   * error status rather than a cut stream (npm tarballs: a 502 that npm reports and retries).
   */
  holdUntilVerified?: boolean;
  /** Largest body accepted (bytes); larger fills fail and are not cached. */
  maxSize?: number;
}

/** What `prepare` may settle before a fill. */
export type Prepared = Partial<
  Pick<Resource, 'expect' | 'upstreamPath' | 'origin' | 'upstreamHeaders'>
>;

/** Random access to a complete body that is not committed yet. */
export interface BodyView {
  size: number;
  /** Lower-case hex. */
  sha256: string;
  /** The response headers kept with the body. */
  headers: Readonly<Record<string, string>>;
  read(position: number, length: number): Promise<Buffer>;
}

/** The result reported in X-Cache, access logs and metrics. */
export type CacheResult =
  | 'HIT'
  | 'MISS'
  | 'STALE'
  | 'REVALIDATED'
  | 'EXPIRED'
  | 'BYPASS'
  | 'NEGATIVE'
  | 'OFFLINE'
  | 'ERROR';

export interface ServeOutcome {
  result: CacheResult;
  status: number;
  /** Body bytes the engine wrote (or meant to write) to the client. */
  bytes: number;
}

/** A small resource's whole body through the cache (Engine.load). */
export type Loaded =
  | { kind: 'body'; body: Buffer; result: CacheResult; headers: Record<string, string> }
  | { kind: 'negative'; status: number; reason?: string | undefined };

/** A cached body opened for reading in pieces (a source too big to load whole). */
export type Opened =
  | {
      kind: 'body';
      /** sha256 hex of the stored body; readers check it as they go. */
      digest: string;
      size: number;
      headers: Record<string, string>;
      result: CacheResult;
      read(position: number, length: number): Promise<Buffer>;
      close(): Promise<void>;
      /** The reader found the body does not match its digest: drop it, so it is refetched. */
      damaged(): Promise<void>;
    }
  | { kind: 'negative'; status: number; reason?: string | undefined };
