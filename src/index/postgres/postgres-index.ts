// PostgreSQL Index, for replicas that share one cache. A bounded pool; every statement is
// indexed and short. Blob byte totals are kept by triggers (schema.ts), so eviction never scans.
// Batched writes take their rows in key order, so two replicas never deadlock on each other.
import pg from 'pg';
import { prefixUpper } from '../key-range.js';
import type {
  Access,
  CacheIndex,
  IndexEntry,
  IndexRecord,
  IndexStats,
  ProbeKind,
  RecordPage,
} from '../cache-index.js';
import {
  ENTRY_COLUMNS,
  recordOf,
  statsOf,
  STATUS_COUNTS,
  type StatusCount,
  toEntry,
  type EntryRow as Row,
  type RecordRow,
} from '../entry-row.js';
import type { DoomedBlob } from '../doomed.js';
import { PgDoomedBlobs } from './doomed-blobs.js';
import { MIGRATIONS } from './schema.js';

export interface PostgresOptions {
  /** A libpq-style URL: postgresql://user:password@host:port/db (host may be a socket dir). */
  url: string;
  /** Connections at most (default 10). */
  poolSize?: number;
  /** How long a statement may run before PostgreSQL cancels it (ms, default 30 s). */
  statementTimeoutMs?: number;
  /** How long to wait for a free or new connection (ms, default 10 s). */
  connectTimeoutMs?: number;
  /** PEM bundle trusted for TLS (`sslmode` in the URL turns TLS on). */
  ca?: string;
}

const COLUMNS = ENTRY_COLUMNS;
const PLACEHOLDERS = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13';

const params = (e: IndexEntry): unknown[] => [
  e.key,
  e.instance,
  e.status,
  e.digest,
  e.size,
  e.upstreamStatus,
  JSON.stringify(e.headers),
  e.fetchedAt,
  e.etag,
  e.lastModified,
  e.lastAccess,
  e.hits,
  e.expireAfter,
];

// bigint (int8) and numeric come back as strings by default; every value Trove keeps in them
// (sizes, times, counts) fits a double exactly.
const INT8 = 20;
const NUMERIC = 1700;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
};

const MIGRATE_LOCK = "hashtextextended('trove:migrate', 0)";

export class PostgresIndex implements CacheIndex {
  readonly #pool: pg.Pool;
  #ready: Promise<void> | null = null;
  readonly #doomed = new PgDoomedBlobs((text, values) => this.#q(text, values));

  constructor(options: PostgresOptions) {
    this.#pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      idleTimeoutMillis: 30_000,
      application_name: 'trove',
      types,
      ...(options.ca ? { ssl: { ca: options.ca } } : {}),
    });
    // An idle connection that the server drops must not crash the process; the next query
    // reconnects (and a failing one reaches its caller).
    this.#pool.on('error', () => undefined);
  }

  /** Applies pending migrations; every replica may call it at once. */
  migrate(): Promise<void> {
    this.#ready ??= this.#tx(async (c) => {
      await c.query(`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`);
      await c.query('CREATE TABLE IF NOT EXISTS trove_schema (version integer NOT NULL)');
      const got = await c.query<{ version: number }>('SELECT version FROM trove_schema');
      let version = got.rows[0]?.version ?? 0;
      if (!got.rows.length) await c.query('INSERT INTO trove_schema (version) VALUES (0)');
      if (version > MIGRATIONS.length) {
        throw new Error(
          `the index schema is version ${version}, newer than this Trove knows (${MIGRATIONS.length}); upgrade Trove`,
        );
      }
      for (; version < MIGRATIONS.length; version++) {
        await c.query(MIGRATIONS[version] as string);
        await c.query('UPDATE trove_schema SET version = $1', [version + 1]);
      }
    }).catch((err: unknown) => {
      this.#ready = null;
      throw err;
    });
    return this.#ready;
  }

  async #q<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    await this.migrate();
    return (await this.#pool.query<R>(text, values)).rows;
  }

  /** One statement on the migrated schema, for what shares this database (fill leases). */
  sql<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    return this.#q<R>(text, values);
  }

  /** A transaction, retried whole when PostgreSQL picks it as a deadlock victim. */
  async #tx<T>(work: (c: pg.PoolClient) => Promise<T>, attempt = 0): Promise<T> {
    const c = await this.#pool.connect();
    let retry = false;
    try {
      await c.query('BEGIN');
      const out = await work(c);
      await c.query('COMMIT');
      return out;
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      const code = (err as { code?: string }).code;
      retry = (code === '40P01' || code === '40001') && attempt < 3;
      if (!retry) throw err;
    } finally {
      c.release();
    }
    return this.#tx(work, attempt + 1);
  }

  async get(key: string): Promise<IndexEntry | undefined> {
    const [row] = await this.#q<Row>(`SELECT ${COLUMNS} FROM entries WHERE key = $1`, [key]);
    return row ? toEntry(row) : undefined;
  }

  async put(entry: IndexEntry): Promise<void> {
    await this.#q(
      `INSERT INTO entries (${COLUMNS}) VALUES (${PLACEHOLDERS})
       ON CONFLICT (key) DO UPDATE SET instance = EXCLUDED.instance, status = EXCLUDED.status,
         digest = EXCLUDED.digest, size = EXCLUDED.size, upstream_status = EXCLUDED.upstream_status,
         headers = EXCLUDED.headers, fetched_at = EXCLUDED.fetched_at, etag = EXCLUDED.etag,
         last_modified = EXCLUDED.last_modified, last_access = EXCLUDED.last_access,
         hits = EXCLUDED.hits, expire_after = EXCLUDED.expire_after`,
      params(entry),
    );
  }

  async createIfAbsent(entry: IndexEntry): Promise<IndexEntry> {
    // One statement: the inserted row, or the one that was there (ON CONFLICT waits for a
    // concurrent inserter to commit, so the SELECT branch then sees its row).
    for (let attempt = 0; attempt < 3; attempt++) {
      const [row] = await this.#q<Row>(
        `WITH ins AS (
           INSERT INTO entries (${COLUMNS}) VALUES (${PLACEHOLDERS})
           ON CONFLICT (key) DO NOTHING RETURNING ${COLUMNS})
         SELECT ${COLUMNS} FROM ins
         UNION ALL SELECT ${COLUMNS} FROM entries WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
        params(entry),
      );
      if (row) return toEntry(row);
    }
    throw new Error(`entry ${entry.key} was deleted while being created`);
  }

  async delete(keys: string[]): Promise<string[]> {
    if (!keys.length) return [];
    await this.migrate();
    // One transaction: a blob_refs row this one brought to zero stays locked until the check,
    // so of several replicas deleting a digest's last entries only the last reports it.
    return this.#tx(async (c) => {
      const { rows } = await c.query<{ digest: string }>(
        `WITH gone AS (
           DELETE FROM entries WHERE key IN (
             SELECT key FROM entries WHERE key = ANY($1::text[]) ORDER BY key FOR UPDATE)
           RETURNING digest)
         SELECT DISTINCT digest FROM gone WHERE digest IS NOT NULL`,
        [[...new Set(keys)]],
      );
      if (!rows.length) return [];
      // The triggers ran with the DELETE; a digest with no blob_refs row is referenced no more.
      const still = await c.query<{ digest: string }>(
        'SELECT digest FROM blob_refs WHERE digest = ANY($1::text[])',
        [rows.map((r) => r.digest)],
      );
      const kept = new Set(still.rows.map((r) => r.digest));
      return rows.map((r) => r.digest).filter((d) => !kept.has(d));
    });
  }

  async touch(accesses: readonly Access[]): Promise<void> {
    const merged = new Map<string, { at: number; hits: number }>();
    for (const a of accesses) {
      const m = merged.get(a.key);
      if (m) {
        m.at = Math.max(m.at, a.at);
        m.hits += a.hits;
      } else merged.set(a.key, { at: a.at, hits: a.hits });
    }
    if (!merged.size) return;
    const keys = [...merged.keys()].sort();
    await this.#q(
      `WITH a AS (SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS a(key, at, hits)),
       locked AS (SELECT e.key FROM entries e JOIN a USING (key) ORDER BY e.key FOR UPDATE OF e)
       UPDATE entries e SET last_access = GREATEST(e.last_access, a.at), hits = e.hits + a.hits
       FROM a WHERE e.key = a.key AND e.key IN (SELECT key FROM locked)`,
      [keys, keys.map((k) => merged.get(k)?.at), keys.map((k) => merged.get(k)?.hits)],
    );
  }

  async refresh(
    key: string,
    fields: { fetchedAt: number; etag?: string | null; lastModified?: string | null },
  ): Promise<void> {
    await this.#q(
      `UPDATE entries SET fetched_at = $2,
         etag = CASE WHEN $3 THEN $4 ELSE etag END,
         last_modified = CASE WHEN $5 THEN $6 ELSE last_modified END
       WHERE key = $1`,
      [
        key,
        fields.fetchedAt,
        fields.etag !== undefined,
        fields.etag ?? null,
        fields.lastModified !== undefined,
        fields.lastModified ?? null,
      ],
    );
  }

  async lru(limit: number): Promise<IndexEntry[]> {
    const rows = await this.#q<Row>(
      `SELECT ${COLUMNS} FROM entries WHERE status = 'ok' ORDER BY last_access ASC LIMIT $1`,
      [limit],
    );
    return rows.map(toEntry);
  }

  async expired(now: number, limit: number): Promise<IndexEntry[]> {
    const rows = await this.#q<Row>(
      `SELECT ${COLUMNS} FROM entries
       WHERE expire_after IS NOT NULL AND last_access + expire_after < $1 LIMIT $2`,
      [now, limit],
    );
    return rows.map(toEntry);
  }

  async withDigest(digest: string, keyPrefix: string): Promise<IndexEntry | undefined> {
    const [row] = await this.#q<Row>(
      `SELECT ${COLUMNS} FROM entries
       WHERE digest = $1 AND status = 'ok' AND starts_with(key, $2) LIMIT 1`,
      [digest, keyPrefix],
    );
    return row ? toEntry(row) : undefined;
  }

  async entriesPage(prefix: string, after: string, limit: number): Promise<IndexEntry[]> {
    const upper = prefixUpper(prefix);
    const rows = await this.#q<Row>(
      `SELECT ${COLUMNS} FROM entries
       WHERE key >= $1 AND key > $2 ${upper === null ? '' : 'AND key < $4'} ORDER BY key LIMIT $3`,
      upper === null ? [prefix, after, limit] : [prefix, after, limit, upper],
    );
    return rows.map(toEntry);
  }

  async references(digest: string): Promise<boolean> {
    const rows = await this.#q('SELECT 1 FROM blob_refs WHERE digest = $1', [digest]);
    return rows.length > 0;
  }

  async dropDigest(digest: string): Promise<number> {
    const rows = await this.#q('DELETE FROM entries WHERE digest = $1 RETURNING 1', [digest]);
    return rows.length;
  }

  claimBlob(digest: string, size: number): Promise<boolean> {
    return this.#doomed.claim(digest, size);
  }

  releaseBlob(digest: string): Promise<void> {
    return this.#doomed.release(digest);
  }

  condemnBlob(digest: string, size: number): Promise<void> {
    return this.#doomed.condemn(digest, size);
  }

  takeDoomed(graceMs: number, limit: number): Promise<DoomedBlob[]> {
    return this.#doomed.take(graceMs, limit);
  }

  forgetDoomed(digests: string[]): Promise<void> {
    return this.#doomed.forget(digests);
  }

  async *digests(): AsyncIterable<string> {
    let after = '';
    for (;;) {
      const page = await this.#q<{ digest: string }>(
        'SELECT digest FROM blob_refs WHERE digest > $1 ORDER BY digest LIMIT 500',
        [after],
      );
      for (const row of page) yield row.digest;
      if (page.length < 500) return;
      after = (page[page.length - 1] as { digest: string }).digest;
    }
  }

  async totalBytes(): Promise<number> {
    const [row] = await this.#q<{ bytes: number }>('SELECT bytes FROM totals WHERE id = 1');
    return row?.bytes ?? 0;
  }

  async addCounters(instance: string, counts: Record<string, number>): Promise<void> {
    const results = Object.keys(counts)
      .filter((r) => (counts[r] ?? 0) > 0)
      .sort();
    if (!results.length) return;
    await this.#q(
      `INSERT INTO counters (instance, result, n)
       SELECT $1, r, n FROM unnest($2::text[], $3::bigint[]) AS c(r, n)
       ON CONFLICT (instance, result) DO UPDATE SET n = counters.n + EXCLUDED.n`,
      [instance, results, results.map((r) => counts[r])],
    );
  }

  async stats(): Promise<IndexStats> {
    const counts = await this.#q<StatusCount>(STATUS_COUNTS);
    const counters = await this.#q<{ instance: string; result: string; n: number }>(
      'SELECT instance, result, n FROM counters',
    );
    return statsOf(counts, counters, await this.totalBytes());
  }

  async getRecord(ns: string, key: string): Promise<IndexRecord | undefined> {
    const [row] = await this.#q<RecordRow>(
      'SELECT key, value, updated_at FROM records WHERE ns = $1 AND key = $2',
      [ns, key],
    );
    return row ? recordOf(row) : undefined;
  }

  async putRecord(ns: string, key: string, value: unknown, at: number): Promise<void> {
    await this.#q(
      `INSERT INTO records (ns, key, value, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (ns, key) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
      [ns, key, JSON.stringify(value), at],
    );
  }

  async createRecord(ns: string, key: string, value: unknown, at: number): Promise<IndexRecord> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const [row] = await this.#q<RecordRow>(
        `WITH ins AS (
           INSERT INTO records (ns, key, value, updated_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (ns, key) DO NOTHING RETURNING key, value, updated_at)
         SELECT key, value, updated_at FROM ins
         UNION ALL SELECT key, value, updated_at FROM records
           WHERE ns = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM ins)`,
        [ns, key, JSON.stringify(value), at],
      );
      if (row) return recordOf(row);
    }
    throw new Error(`record ${ns}/${key} vanished`);
  }

  async deleteRecord(ns: string, key: string): Promise<void> {
    await this.#q('DELETE FROM records WHERE ns = $1 AND key = $2', [ns, key]);
  }

  async listRecords(ns: string): Promise<IndexRecord[]> {
    const rows = await this.#q<RecordRow>(
      'SELECT key, value, updated_at FROM records WHERE ns = $1 ORDER BY key',
      [ns],
    );
    return rows.map(recordOf);
  }

  async pageRecords(ns: string, page: RecordPage): Promise<IndexRecord[]> {
    const rows =
      page.by === 'key'
        ? await this.#q<RecordRow>(
            `SELECT key, value, updated_at FROM records WHERE ns = $1 AND key > $2
             ORDER BY key LIMIT $3`,
            [ns, page.after, page.limit],
          )
        : await this.#q<RecordRow>(
            `SELECT key, value, updated_at FROM records WHERE ns = $1 AND updated_at >= $2
             ORDER BY updated_at, key LIMIT $3`,
            [ns, page.since, page.limit],
          );
    return rows.map(recordOf);
  }

  /** A read walks the entries' index to a row; a write commits one row. */
  async ping(kind: ProbeKind = 'read'): Promise<void> {
    if (kind === 'read') await this.#q('SELECT key FROM entries ORDER BY key DESC LIMIT 1');
    else {
      await this.#q(
        `INSERT INTO probe (id, at) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at = EXCLUDED.at`,
        [Date.now()],
      );
    }
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }
}
