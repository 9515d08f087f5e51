// A read-through cache in front of any Index driver, so hot hits skip the database. Every write
// through this wrapper updates or drops the cached copy, and is reported to `onChange`, so the
// other workers of a cluster forget their copies (`forget`). `trove gc` running beside it can
// only delete, which the engine notices as a missing blob and refetches.
import type {
  Access,
  CacheIndex,
  IndexEntry,
  IndexRecord,
  RecordPage,
  IndexStats,
  ProbeKind,
} from './cache-index.js';
import type { DoomedBlob } from './doomed.js';

/** An index change other processes must forget from their read-through caches. */
export type IndexChange = { keys: string[] } | { digest: string } | { ns: string; key: string };

export class CachedIndex implements CacheIndex {
  readonly #inner: CacheIndex;
  readonly #max: number;
  readonly #entries = new Map<string, IndexEntry>();
  readonly #onChange: (change: IndexChange) => void;

  constructor(
    inner: CacheIndex,
    opts: { maxEntries?: number; onChange?: (change: IndexChange) => void } = {},
  ) {
    this.#inner = inner;
    this.#max = opts.maxEntries ?? 20_000;
    this.#onChange = opts.onChange ?? (() => undefined);
  }

  /** Another process changed these entries: drop the cached copies. */
  forget(change: IndexChange): void {
    if ('keys' in change) for (const k of change.keys) this.#entries.delete(k);
    else if ('digest' in change) {
      for (const [k, e] of this.#entries) if (e.digest === change.digest) this.#entries.delete(k);
    }
  }

  /** Changes may have been missed (a lost connection to the other processes): drop them all. */
  forgetAll(): void {
    this.#entries.clear();
  }

  #remember(e: IndexEntry): void {
    this.#entries.delete(e.key);
    this.#entries.set(e.key, e);
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  async get(key: string): Promise<IndexEntry | undefined> {
    const hit = this.#entries.get(key);
    if (hit) return hit;
    const e = await this.#inner.get(key);
    if (e) this.#remember(e);
    return e;
  }

  async put(entry: IndexEntry): Promise<void> {
    this.#entries.delete(entry.key);
    await this.#inner.put(entry);
    this.#remember(entry);
    this.#onChange({ keys: [entry.key] });
  }

  async createIfAbsent(entry: IndexEntry): Promise<IndexEntry> {
    this.#entries.delete(entry.key);
    const winner = await this.#inner.createIfAbsent(entry);
    this.#remember(winner);
    this.#onChange({ keys: [entry.key] });
    return winner;
  }

  async delete(keys: string[]): Promise<string[]> {
    for (const k of keys) this.#entries.delete(k);
    const gone = await this.#inner.delete(keys);
    if (keys.length) this.#onChange({ keys });
    return gone;
  }

  async touch(accesses: readonly Access[]): Promise<void> {
    await this.#inner.touch(accesses);
    // Mirror the driver's arithmetic so cached copies stay equal to stored ones.
    for (const a of accesses) {
      const e = this.#entries.get(a.key);
      if (e)
        this.#entries.set(a.key, {
          ...e,
          lastAccess: Math.max(e.lastAccess, a.at),
          hits: e.hits + a.hits,
        });
    }
  }

  async refresh(
    key: string,
    fields: { fetchedAt: number; etag?: string | null; lastModified?: string | null },
  ): Promise<void> {
    this.#entries.delete(key);
    await this.#inner.refresh(key, fields);
    this.#onChange({ keys: [key] });
  }

  lru(limit: number): Promise<IndexEntry[]> {
    return this.#inner.lru(limit);
  }

  expired(now: number, limit: number): Promise<IndexEntry[]> {
    return this.#inner.expired(now, limit);
  }

  withDigest(digest: string, keyPrefix: string): Promise<IndexEntry | undefined> {
    return this.#inner.withDigest(digest, keyPrefix);
  }

  entriesPage(prefix: string, after: string, limit: number): Promise<IndexEntry[]> {
    return this.#inner.entriesPage(prefix, after, limit);
  }

  references(digest: string): Promise<boolean> {
    return this.#inner.references(digest);
  }

  async dropDigest(digest: string): Promise<number> {
    this.forget({ digest });
    const dropped = await this.#inner.dropDigest(digest);
    this.#onChange({ digest });
    return dropped;
  }

  digests(): AsyncIterable<string> {
    return this.#inner.digests();
  }

  totalBytes(): Promise<number> {
    return this.#inner.totalBytes();
  }

  addCounters(instance: string, counts: Record<string, number>): Promise<void> {
    return this.#inner.addCounters(instance, counts);
  }

  stats(): Promise<IndexStats> {
    return this.#inner.stats();
  }

  getRecord(ns: string, key: string): Promise<IndexRecord | undefined> {
    return this.#inner.getRecord(ns, key);
  }

  async putRecord(ns: string, key: string, value: unknown, at: number): Promise<void> {
    await this.#inner.putRecord(ns, key, value, at);
    this.#onChange({ ns, key });
  }

  async createRecord(ns: string, key: string, value: unknown, at: number): Promise<IndexRecord> {
    const stored = await this.#inner.createRecord(ns, key, value, at);
    this.#onChange({ ns, key });
    return stored;
  }

  async deleteRecord(ns: string, key: string): Promise<void> {
    await this.#inner.deleteRecord(ns, key);
    this.#onChange({ ns, key });
  }

  listRecords(ns: string): Promise<IndexRecord[]> {
    return this.#inner.listRecords(ns);
  }

  pageRecords(ns: string, page: RecordPage): Promise<IndexRecord[]> {
    return this.#inner.pageRecords(ns, page);
  }

  claimBlob(digest: string, size: number): Promise<boolean> {
    return this.#inner.claimBlob(digest, size);
  }

  releaseBlob(digest: string): Promise<void> {
    return this.#inner.releaseBlob(digest);
  }

  condemnBlob(digest: string, size: number): Promise<void> {
    return this.#inner.condemnBlob(digest, size);
  }

  takeDoomed(graceMs: number, limit: number): Promise<DoomedBlob[]> {
    return this.#inner.takeDoomed(graceMs, limit);
  }

  forgetDoomed(digests: string[]): Promise<void> {
    return this.#inner.forgetDoomed(digests);
  }

  ping(kind?: ProbeKind): Promise<void> {
    return this.#inner.ping(kind);
  }

  close(): Promise<void> {
    this.#entries.clear();
    return this.#inner.close();
  }
}
