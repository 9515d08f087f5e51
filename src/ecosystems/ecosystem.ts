// The ecosystem contract: protocol knowledge only. An instance classifies each request into a
// cacheable resource or a synthetic response; it never touches sockets or the filesystem.
import type { IncomingHttpHeaders } from 'node:http';
import type { EntryBrowser } from '../ui/entry-browser.js';
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { Loaded, Opened } from '../engine/engine.js';
import type { Resource } from '../engine/types.js';
import type { UpstreamEntry } from '../config/types.js';
import type { Origin, UpstreamTarget } from '../upstream/upstream-pool.js';
import type { GitRepo } from '../vcs/git-repo.js';
import type { TroveError } from '../errors.js';
import type { RecordPage } from '../index/cache-index.js';
import type { AccessTarget, NameMatcher } from '../access/rules.js';
import type { InstanceAccess } from '../access/rules-config.js';

export interface EcosystemRequest {
  method: string;
  /** Decoded path below the instance's mount, checked for traversal, without a leading slash. */
  path: string;
  /** Path segments, decoded. */
  segments: readonly string[];
  /** Raw query string without '?', or ''. */
  query: string;
  headers: IncomingHttpHeaders;
  /** Public base URL of this instance, without a trailing slash. */
  baseUrl: string;
  /** The mount prefix the request came through ('' at the root of a listener). */
  prefix: string;
  /**
   * The client's address and its connection (`address port`), for per-client consistency of
   * what is served, never for access decisions.
   */
  client: { address: string; connection: string };
  /** The verified client, when access control is on (docs/access.md). */
  access?: RequestAccess;
}

/** What an ecosystem may know of the client's identity: never its credentials. */
export interface RequestAccess {
  /** The subject (a user, a token's name, a JWT's mapped subject); null for anonymous. */
  subject: string | null;
  /**
   * A token for this client from Trove's own realm (OCI `docker login`), sealing `extra` with
   * it; null if anonymous.
   */
  issueToken(extra?: string): { token: string; expiresIn: number } | null;
  /** What the ecosystem sealed into the token this request came with, if any. */
  extra: string | null;
}

export interface SyntheticResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export type Decision =
  | {
      kind: 'resource';
      resource: Resource;
      /** Headers for this answer only (not stored with the object). */
      headers?: Record<string, string>;
      /** Renders this request's errors, when they need more than the instance's formatError. */
      formatError?: (err: TroveError) => SyntheticResponse;
    }
  | { kind: 'response'; response: SyntheticResponse }
  /** Relayed as it is, never cached (search, audit, ping): the request body goes upstream. */
  | { kind: 'forward'; forward: Forward };

export interface Forward {
  origin: Origin;
  /** Path and query below the origin's base, no leading slash. */
  path: string;
  method: 'GET' | 'HEAD' | 'POST';
  /** Request headers to send (the client's own are not passed on by default). */
  headers: Record<string, string>;
  /** Largest request body accepted (bytes). */
  maxBody: number;
}

export interface UpstreamLimit {
  /** The upstream by the name the instance knows it (a registry host). */
  registry: string;
  limit: number | null;
  remaining: number | null;
  /** Seconds left of a back-off after a 429, else 0. */
  backoff: number;
}

export interface EcosystemInstance {
  readonly name: string;
  readonly type: string;
  /** Status for a miss in offline mode. */
  readonly offlineMissStatus: number;
  handle(req: EcosystemRequest): Decision | Promise<Decision>;
  /** Renders an error in the protocol's own format. */
  formatError(err: TroveError): SyntheticResponse;
  /** Shell or config lines that point a client at this instance (for the home page). */
  clientSetup(baseUrl: string): string;
  /**
   * What a request is about for the access rules: the canonical, decoded name the request
   * resolves to (the one its cache key is made from), without any I/O. Without it, a request
   * counts as a listing (only subjects who may read every name pass).
   */
  accessTarget?(req: EcosystemRequest): AccessTarget;
  /** How access rule `names` match this ecosystem's names (plain globs when absent). */
  readonly matchNames?: NameMatcher;
  /** The WWW-Authenticate value for a 401 (Basic when absent). */
  challenge?(req: EcosystemRequest): string;
  /** `%2f` in request paths separates segments like `/` (npm's `@scope%2fname`). */
  readonly encodedSlashes?: boolean;
  /** The instance's own upstream chain, when `upstreams` is more than a list of HTTP URLs. */
  readonly upstream?: Origin;
  /** How the web UI lists cached entries (paths as they are when absent). */
  readonly browse?: EntryBrowser;
  /** Repository roots by lifecycle state (Linux repositories), for /metrics. */
  rootCounts?(): Record<string, number>;
  /** What upstreams report of their rate limits, and any back-off after a 429, for /metrics. */
  rateLimits?(): UpstreamLimit[];
  /** Stops background work (refreshes); called once at shutdown, before the engine drains. */
  close?(): Promise<void>;
}

/** Keys every instance config has after validation, whatever its type. */
export interface InstanceCommon {
  type: string;
  path?: string[] | undefined;
  hosts: string[];
  bind?: { host: string; port: number } | undefined;
  offline?: boolean | undefined;
  access?: InstanceAccess | undefined;
  upstreams: Array<{ url: string; headers: Record<string, string>; auth?: unknown }>;
}

export interface EcosystemType<S extends z.ZodTypeAny = z.ZodTypeAny> {
  readonly type: string;
  /** The instance schema; must be a strict object with `type: z.literal(this.type)`. */
  readonly schema: S;
  /** Mount paths when the config gives none; `/<name>` when absent. */
  defaultPaths?(name: string): string[];
  create(
    name: string,
    config: z.output<S> & InstanceCommon,
    ctx: InstanceContext,
  ): EcosystemInstance;
}

/** What the app lends an instance: cached loads and extra origins, never raw sockets. */
export interface InstanceContext {
  /** A small resource's body through the cache (single flight, policy, verification). */
  load(resource: Resource): Promise<Loaded>;
  /** A resource's body through the cache, opened for reading in pieces (for big sources). */
  open(resource: Resource): Promise<Opened>;
  /** An origin over the shared HTTP agent, for upstreams besides the instance's own. */
  origin(targets: UpstreamTarget[]): Origin;
  /** The same, from validated config entries (credentials included). */
  upstream(entries: UpstreamEntry[]): Origin;
  /** Whether the instance never contacts its upstreams (its own setting, else the global one). */
  offline: boolean;
  /** Whether clients must authenticate to read anything here (cargo's `auth-required`). */
  authRequired: boolean;
  /** Small records of this instance kept in the index (roots and their generations). */
  records(ns: string): RecordStore;
  /**
   * Runs `job` once across the processes sharing this cache (cluster workers): a process that
   * finds it running elsewhere waits for that run to end instead, and gets false.
   */
  once(name: string, job: () => Promise<void>): Promise<boolean>;
  /** Tells this instance in every other process `value` on `channel` (cluster workers). */
  tell(channel: string, value: unknown): void;
  /** Calls `heard` with what this instance in another process tells on `channel`. */
  hear(channel: string, heard: (value: unknown) => void): void;
  /** A git repository mirrored under the storage directory. */
  git(url: string, authorization: string | undefined, refreshMs?: number): GitRepo;
  /** A 32-byte secret for `purpose`, the same in every process and replica of this cache. */
  key(purpose: string): Buffer;
  log: Logger;
}

export interface RecordStore {
  list(): Promise<Array<{ key: string; value: unknown }>>;
  /** One record's value, or undefined. */
  get(key: string): Promise<unknown>;
  put(key: string, value: unknown): Promise<void>;
  /** Stores `value` unless the key has a record; returns the stored value (first wins). */
  create(key: string, value: unknown): Promise<unknown>;
  /** Calls `changed` with the key of each record another process (a cluster worker) writes. */
  watch?(changed: (key: string) => void): void;
  /** A page of records: by key after a cursor, or by time from a moment. */
  page(page: RecordPage): Promise<Array<{ key: string; value: unknown; updatedAt: number }>>;
}

/** The index namespace of an instance's records (`trove stats` reads it too). */
export const recordNamespace = (instance: string, ns: string): string => `${ns}:${instance}`;

/** The mount paths of an instance, without trailing slashes ('' is the root). */
export function mountPaths(t: EcosystemType, name: string, cfg: InstanceCommon): string[] {
  const paths = cfg.path ?? t.defaultPaths?.(name) ?? [`/${name}`];
  return paths.map((p) => p.replace(/\/+$/, ''));
}
