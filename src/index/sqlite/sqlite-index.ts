// SQLite Index (WAL). better-sqlite3 is synchronous; statements are tiny and indexed, so they
// run inline. Blob byte totals are kept by triggers so eviction never scans the table.
import Database from 'better-sqlite3';
import { prefixUpper } from '../key-range.js';
import type {
  Access,
  CacheIndex,
  IndexEntry,
  IndexRecord,
  RecordPage,
  IndexStats,
  ProbeKind,
} from '../cache-index.js';
import {
  ENTRY_COLUMNS,
  recordOf,
  statsOf,
  STATUS_COUNTS,
  type StatusCount,
  toEntry,
  toRow,
  type EntryRow as Row,
} from '../entry-row.js';
import type { DoomedBlob } from '../doomed.js';
import { SqliteDoomedBlobs } from './doomed-blobs.js';
import { MIGRATIONS } from './schema.js';

const COLUMNS = ENTRY_COLUMNS;
const VALUES =
  '@key, @instance, @status, @digest, @size, @upstream_status, @headers, @fetched_at, @etag, @last_modified, @last_access, @hits, @expire_after';

export interface SqliteOptions {
  /**
   * How long one statement waits for another connection's write lock (ms). better-sqlite3 is
   * synchronous, so this wait holds the event loop: the server keeps it short and retries with
   * timers (see guarded-index.ts); command-line tools can wait longer.
   */
  busyTimeoutMs?: number;
}

export class SqliteIndex implements CacheIndex {
  readonly #db: Database.Database;
  readonly #stmt;
  readonly #doomed: SqliteDoomedBlobs;

  constructor(path: string, options: SqliteOptions = {}) {
    this.#db = new Database(path);
    this.#db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#migrate();
    const db = this.#db;
    this.#doomed = new SqliteDoomedBlobs(db);
    this.#stmt = {
      get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM entries WHERE key = ?`),
      upsert: db.prepare<[Row]>(
        `INSERT INTO entries (${COLUMNS}) VALUES (${VALUES})
         ON CONFLICT(key) DO UPDATE SET instance=excluded.instance, status=excluded.status,
           digest=excluded.digest, size=excluded.size, upstream_status=excluded.upstream_status,
           headers=excluded.headers, fetched_at=excluded.fetched_at, etag=excluded.etag,
           last_modified=excluded.last_modified, last_access=excluded.last_access,
           hits=excluded.hits, expire_after=excluded.expire_after`,
      ),
      insertIgnore: db.prepare<[Row]>(
        `INSERT INTO entries (${COLUMNS}) VALUES (${VALUES}) ON CONFLICT(key) DO NOTHING`,
      ),
      del: db.prepare<[string]>(`DELETE FROM entries WHERE key = ?`),
      digestOf: db.prepare<[string], { digest: string | null }>(
        `SELECT digest FROM entries WHERE key = ?`,
      ),
      refs: db.prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM entries WHERE digest = ?`,
      ),
      touch: db.prepare<[number, number, string]>(
        `UPDATE entries SET last_access = MAX(last_access, ?), hits = hits + ? WHERE key = ?`,
      ),
      lru: db.prepare<[number], Row>(
        `SELECT ${COLUMNS} FROM entries WHERE status = 'ok' ORDER BY last_access ASC LIMIT ?`,
      ),
      expired: db.prepare<[number, number], Row>(
        `SELECT ${COLUMNS} FROM entries
         WHERE expire_after IS NOT NULL AND last_access + expire_after < ? LIMIT ?`,
      ),
      dropDigest: db.prepare<[string]>(`DELETE FROM entries WHERE digest = ?`),
      withDigest: db.prepare<[string, string, string], Row>(
        `SELECT ${COLUMNS} FROM entries
         WHERE digest = ? AND status = 'ok' AND substr(key, 1, length(?)) = ? LIMIT 1`,
      ),
      entriesPage: db.prepare<[string, string, string, string, number], Row>(
        `SELECT ${COLUMNS} FROM entries
         WHERE key >= ? AND key > ? AND (? = '' OR key < ?) ORDER BY key LIMIT ?`,
      ),
      digestPage: db.prepare<[string, number], { digest: string }>(
        `SELECT DISTINCT digest FROM entries WHERE digest > ? ORDER BY digest LIMIT ?`,
      ),
      total: db.prepare<[], { bytes: number }>(`SELECT bytes FROM totals WHERE id = 1`),
      probeRead: db.prepare<[], { key: string }>(
        `SELECT key FROM entries ORDER BY key DESC LIMIT 1`,
      ),
      probeWrite: db.prepare<[number]>(`INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?)`),
      getRecord: db.prepare<[string, string], { value: string; updated_at: number }>(
        `SELECT value, updated_at FROM records WHERE ns = ? AND key = ?`,
      ),
      putRecord: db.prepare<[string, string, string, number]>(
        `INSERT INTO records (ns, key, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(ns, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
      ),
      createRecord: db.prepare<[string, string, string, number]>(
        `INSERT INTO records (ns, key, value, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(ns, key) DO NOTHING`,
      ),
      deleteRecord: db.prepare<[string, string]>(`DELETE FROM records WHERE ns = ? AND key = ?`),
      listRecords: db.prepare<[string], { key: string; value: string; updated_at: number }>(
        `SELECT key, value, updated_at FROM records WHERE ns = ? ORDER BY key`,
      ),
      recordsAfter: db.prepare<
        [string, string, number],
        { key: string; value: string; updated_at: number }
      >(`SELECT key, value, updated_at FROM records WHERE ns = ? AND key > ? ORDER BY key LIMIT ?`),
      recordsSince: db.prepare<
        [string, number, number],
        { key: string; value: string; updated_at: number }
      >(
        `SELECT key, value, updated_at FROM records WHERE ns = ? AND updated_at >= ?
         ORDER BY updated_at, key LIMIT ?`,
      ),
      addCounter: db.prepare<[string, string, number]>(
        `INSERT INTO counters (instance, result, n) VALUES (?, ?, ?)
         ON CONFLICT(instance, result) DO UPDATE SET n = n + excluded.n`,
      ),
    };
  }

  #migrate(): void {
    const version = this.#db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.#db.transaction(() => {
        this.#db.exec(MIGRATIONS[v] as string);
        this.#db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  async get(key: string): Promise<IndexEntry | undefined> {
    const row = this.#stmt.get.get(key);
    return row ? toEntry(row) : undefined;
  }

  async put(entry: IndexEntry): Promise<void> {
    this.#stmt.upsert.run(toRow(entry));
  }

  async createIfAbsent(entry: IndexEntry): Promise<IndexEntry> {
    return this.#db
      .transaction(() => {
        this.#stmt.insertIgnore.run(toRow(entry));
        return toEntry(this.#stmt.get.get(entry.key) as Row);
      })
      .immediate();
  }

  async delete(keys: string[]): Promise<string[]> {
    return this.#db
      .transaction(() => {
        const candidates = new Set<string>();
        for (const key of keys) {
          const d = this.#stmt.digestOf.get(key)?.digest;
          if (d) candidates.add(d);
          this.#stmt.del.run(key);
        }
        return [...candidates].filter((d) => (this.#stmt.refs.get(d)?.n ?? 0) === 0);
      })
      .immediate();
  }

  async touch(accesses: readonly Access[]): Promise<void> {
    this.#db
      .transaction(() => {
        for (const a of accesses) this.#stmt.touch.run(a.at, a.hits, a.key);
      })
      .immediate();
  }

  async refresh(
    key: string,
    fields: { fetchedAt: number; etag?: string | null; lastModified?: string | null },
  ): Promise<void> {
    const sets = ['fetched_at = @fetchedAt'];
    if (fields.etag !== undefined) sets.push('etag = @etag');
    if (fields.lastModified !== undefined) sets.push('last_modified = @lastModified');
    this.#db.prepare(`UPDATE entries SET ${sets.join(', ')} WHERE key = @key`).run({
      key,
      fetchedAt: fields.fetchedAt,
      etag: fields.etag ?? null,
      lastModified: fields.lastModified ?? null,
    });
  }

  async lru(limit: number): Promise<IndexEntry[]> {
    return this.#stmt.lru.all(limit).map(toEntry);
  }

  async expired(now: number, limit: number): Promise<IndexEntry[]> {
    return this.#stmt.expired.all(now, limit).map(toEntry);
  }

  async withDigest(digest: string, keyPrefix: string): Promise<IndexEntry | undefined> {
    const row = this.#stmt.withDigest.get(digest, keyPrefix, keyPrefix);
    return row ? toEntry(row) : undefined;
  }

  async entriesPage(prefix: string, after: string, limit: number): Promise<IndexEntry[]> {
    const upper = prefixUpper(prefix) ?? '';
    return this.#stmt.entriesPage.all(prefix, after, upper, upper, limit).map(toEntry);
  }

  async references(digest: string): Promise<boolean> {
    return (this.#stmt.refs.get(digest)?.n ?? 0) > 0;
  }

  async dropDigest(digest: string): Promise<number> {
    return this.#stmt.dropDigest.run(digest).changes;
  }

  /** Paged, so other statements can run between pages (an open cursor would block them). */
  async *digests(): AsyncIterable<string> {
    let after = '';
    for (;;) {
      const page = this.#stmt.digestPage.all(after, 500);
      for (const row of page) yield row.digest;
      if (page.length < 500) return;
      after = (page[page.length - 1] as { digest: string }).digest;
    }
  }

  async totalBytes(): Promise<number> {
    return this.#stmt.total.get()?.bytes ?? 0;
  }

  async addCounters(instance: string, counts: Record<string, number>): Promise<void> {
    this.#db
      .transaction(() => {
        for (const [result, n] of Object.entries(counts)) {
          if (n > 0) this.#stmt.addCounter.run(instance, result, n);
        }
      })
      .immediate();
  }

  async stats(): Promise<IndexStats> {
    const counts = this.#db.prepare<[], StatusCount>(STATUS_COUNTS).all();
    const counters = this.#db
      .prepare<[], { instance: string; result: string; n: number }>(
        `SELECT instance, result, n FROM counters`,
      )
      .all();
    return statsOf(counts, counters, await this.totalBytes());
  }

  async getRecord(ns: string, key: string): Promise<IndexRecord | undefined> {
    const row = this.#stmt.getRecord.get(ns, key);
    return row ? { key, value: JSON.parse(row.value), updatedAt: row.updated_at } : undefined;
  }

  async putRecord(ns: string, key: string, value: unknown, at: number): Promise<void> {
    this.#stmt.putRecord.run(ns, key, JSON.stringify(value), at);
  }

  async createRecord(ns: string, key: string, value: unknown, at: number): Promise<IndexRecord> {
    const stmt = this.#stmt;
    const row = this.#db
      .transaction(() => {
        stmt.createRecord.run(ns, key, JSON.stringify(value), at);
        return stmt.getRecord.get(ns, key);
      })
      .immediate();
    if (!row) throw new Error(`record ${ns}/${key} vanished`);
    return { key, value: JSON.parse(row.value), updatedAt: row.updated_at };
  }

  async deleteRecord(ns: string, key: string): Promise<void> {
    this.#stmt.deleteRecord.run(ns, key);
  }

  async listRecords(ns: string): Promise<IndexRecord[]> {
    return this.#stmt.listRecords.all(ns).map(recordOf);
  }

  async pageRecords(ns: string, page: RecordPage): Promise<IndexRecord[]> {
    const rows =
      page.by === 'key'
        ? this.#stmt.recordsAfter.all(ns, page.after, page.limit)
        : this.#stmt.recordsSince.all(ns, page.since, page.limit);
    return rows.map(recordOf);
  }

  async claimBlob(digest: string, size: number): Promise<boolean> {
    return this.#doomed.claim(digest, size);
  }

  async releaseBlob(digest: string): Promise<void> {
    this.#doomed.release(digest);
  }

  async condemnBlob(digest: string, size: number): Promise<void> {
    this.#doomed.condemn(digest, size);
  }

  async takeDoomed(graceMs: number, limit: number): Promise<DoomedBlob[]> {
    return this.#doomed.take(graceMs, limit);
  }

  async forgetDoomed(digests: string[]): Promise<void> {
    this.#doomed.forget(digests);
  }

  /** SQLite's own structural check of the whole file: [] when sound, else its findings. */
  integrity(): string[] {
    const rows = this.#db.pragma('quick_check') as Array<{ quick_check: string }>;
    const found = rows.map((r) => r.quick_check);
    return found.length === 1 && found[0] === 'ok' ? [] : found;
  }

  /** A read walks the entries' b-tree to a leaf; a write commits a row (WAL append). */
  async ping(kind: ProbeKind = 'read'): Promise<void> {
    if (kind === 'read') this.#stmt.probeRead.get();
    else this.#stmt.probeWrite.run(Date.now());
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
