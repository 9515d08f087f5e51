// Index: metadata about cached entries. Bytes live in the BlobStore; the index maps keys to
// digests and keeps what policy needs (freshness, validators, access for LRU, negatives).
import type { DoomedBlob } from './doomed.js';

export type EntryStatus = 'ok' | 'negative';

export interface IndexEntry {
  key: string;
  /** The instance that owns the entry, for per-instance stats. */
  instance: string;
  status: EntryStatus;
  /** sha256 hex of the body; null for negative entries. */
  digest: string | null;
  size: number;
  /** Upstream status that produced the entry: 200, or 404/410 for negatives. */
  upstreamStatus: number;
  /** Response headers kept with the object (lower-case names). */
  headers: Record<string, string>;
  fetchedAt: number;
  etag: string | null;
  lastModified: string | null;
  lastAccess: number;
  hits: number;
  /** Drop the entry when not accessed for this long (ms); null keeps it until evicted. */
  expireAfter: number | null;
}

export interface Access {
  key: string;
  at: number;
  hits: number;
}

export interface InstanceStats {
  instance: string;
  objects: number;
  bytes: number;
  negatives: number;
  requests: Record<string, number>;
}

export interface IndexStats {
  objects: number;
  negatives: number;
  /** Bytes of distinct referenced blobs. */
  bytes: number;
  instances: InstanceStats[];
}

/** A small named record kept beside the entries (a repository root and its generations). */
export interface IndexRecord {
  key: string;
  /** Any JSON value. */
  value: unknown;
  updatedAt: number;
}

/** A page of records: keys after `after` in key order, or `updatedAt >= since` in time order. */
export type RecordPage =
  { by: 'key'; after: string; limit: number } | { by: 'time'; since: number; limit: number };

/** What a readiness probe exercises: a read of the entries, or a committed write. */
export type ProbeKind = 'read' | 'write';

export interface CacheIndex {
  get(key: string): Promise<IndexEntry | undefined>;
  /** Inserts or replaces the entry. */
  put(entry: IndexEntry): Promise<void>;
  /** Inserts the entry unless the key exists; returns whichever entry is stored now. */
  createIfAbsent(entry: IndexEntry): Promise<IndexEntry>;
  /** Removes entries; returns digests no entry references any more. */
  delete(keys: string[]): Promise<string[]>;
  /** Records accesses in one batch: lastAccess = at, hits += hits. */
  touch(accesses: readonly Access[]): Promise<void>;
  /** A 304 from upstream: new fetchedAt and validators. */
  refresh(
    key: string,
    fields: { fetchedAt: number; etag?: string | null; lastModified?: string | null },
  ): Promise<void>;
  /** Least recently accessed ok entries first. */
  lru(limit: number): Promise<IndexEntry[]>;
  /** Entries whose expireAfter has passed since lastAccess. */
  expired(now: number, limit: number): Promise<IndexEntry[]>;
  /** An ok entry whose key starts with `keyPrefix` and whose body has this digest. */
  withDigest(digest: string, keyPrefix: string): Promise<IndexEntry | undefined>;
  /**
   * Entries whose key starts with `prefix`, after the key `after` ('' for the first page), in
   * key order: a range of the key index, never a scan of the table.
   */
  entriesPage(prefix: string, after: string, limit: number): Promise<IndexEntry[]>;
  /** Whether any entry references the digest (for GC). */
  references(digest: string): Promise<boolean>;
  /** Removes every entry that references the digest (its blob is gone); returns how many. */
  dropDigest(digest: string): Promise<number>;
  /** Distinct digests referenced by ok entries. */
  digests(): AsyncIterable<string>;
  totalBytes(): Promise<number>;
  /** Adds request-result counters (hit, miss, …) per instance. */
  addCounters(instance: string, counts: Record<string, number>): Promise<void>;
  stats(): Promise<IndexStats>;
  /** The record under (namespace, key). */
  getRecord(ns: string, key: string): Promise<IndexRecord | undefined>;
  /** Inserts or replaces a record, in one transaction (a generation swap is one write). */
  putRecord(ns: string, key: string, value: unknown, at: number): Promise<void>;
  /**
   * Inserts a record unless the key exists, atomically; returns whichever record is stored now
   * (the first writer wins: a version's files all come from the upstream that answered first).
   */
  createRecord(ns: string, key: string, value: unknown, at: number): Promise<IndexRecord>;
  deleteRecord(ns: string, key: string): Promise<void>;
  /** Every record of a namespace, by key. */
  listRecords(ns: string): Promise<IndexRecord[]>;
  /** One page of a namespace's records, by key after a cursor or by time from a moment. */
  pageRecords(ns: string, page: RecordPage): Promise<IndexRecord[]>;
  /**
   * Marks a blob as being committed (see doomed.ts), so no deletion starts on it. False while
   * a deletion of that digest is running: wait and ask again.
   */
  claimBlob(digest: string, size: number): Promise<boolean>;
  /** Ends a claim: the row goes if an entry references the blob, else the blob is doomed. */
  releaseBlob(digest: string): Promise<void>;
  /** Queues a stored blob that no entry references for deletion, unless it is claimed. */
  condemnBlob(digest: string, size: number): Promise<void>;
  /**
   * Takes up to `limit` blobs due for deletion (doomed for at least graceMs, or whose claim or
   * deletion was abandoned) and marks them as being deleted, by this caller only.
   */
  takeDoomed(graceMs: number, limit: number): Promise<DoomedBlob[]>;
  /** The blobs are deleted: forget them. */
  forgetDoomed(digests: string[]): Promise<void>;
  /** Throws when the index cannot serve reads (or commit writes), for /ready. */
  ping(kind?: ProbeKind): Promise<void>;
  close(): Promise<void>;
}
