// How an entry and a record look as table rows, in every SQL driver (same column names).
import type { IndexEntry, IndexRecord, IndexStats, InstanceStats } from './cache-index.js';

export interface EntryRow {
  key: string;
  instance: string;
  status: 'ok' | 'negative';
  digest: string | null;
  size: number;
  upstream_status: number;
  headers: string;
  fetched_at: number;
  etag: string | null;
  last_modified: string | null;
  last_access: number;
  hits: number;
  expire_after: number | null;
}

export const ENTRY_COLUMNS =
  'key, instance, status, digest, size, upstream_status, headers, fetched_at, etag, last_modified, last_access, hits, expire_after';

export const toEntry = (r: EntryRow): IndexEntry => ({
  key: r.key,
  instance: r.instance,
  status: r.status,
  digest: r.digest,
  size: r.size,
  upstreamStatus: r.upstream_status,
  headers: JSON.parse(r.headers) as Record<string, string>,
  fetchedAt: r.fetched_at,
  etag: r.etag,
  lastModified: r.last_modified,
  lastAccess: r.last_access,
  hits: r.hits,
  expireAfter: r.expire_after,
});

export const toRow = (e: IndexEntry): EntryRow => ({
  key: e.key,
  instance: e.instance,
  status: e.status,
  digest: e.digest,
  size: e.size,
  upstream_status: e.upstreamStatus,
  headers: JSON.stringify(e.headers),
  fetched_at: e.fetchedAt,
  etag: e.etag,
  last_modified: e.lastModified,
  last_access: e.lastAccess,
  hits: e.hits,
  expire_after: e.expireAfter,
});

export interface RecordRow {
  key: string;
  value: string;
  updated_at: number;
}

export const recordOf = (r: RecordRow): IndexRecord => ({
  key: r.key,
  value: JSON.parse(r.value),
  updatedAt: r.updated_at,
});

/** Entries counted per instance and status, as `GROUP BY instance, status` gives them. */
export interface StatusCount {
  instance: string;
  status: string;
  n: number;
  bytes: number;
}

/** IndexStats from the per-status counts, the request counters and the blob byte total. */
export function statsOf(
  counts: readonly StatusCount[],
  counters: ReadonlyArray<{ instance: string; result: string; n: number }>,
  bytes: number,
): IndexStats {
  const perInstance = new Map<string, InstanceStats>();
  const get = (instance: string): InstanceStats => {
    let s = perInstance.get(instance);
    if (!s) {
      s = { instance, objects: 0, bytes: 0, negatives: 0, requests: {} };
      perInstance.set(instance, s);
    }
    return s;
  };
  for (const r of counts) {
    const s = get(r.instance);
    if (r.status === 'ok') {
      s.objects += r.n;
      s.bytes += r.bytes;
    } else s.negatives += r.n;
  }
  for (const c of counters) get(c.instance).requests[c.result] = c.n;
  const instances = [...perInstance.values()].sort((a, b) => a.instance.localeCompare(b.instance));
  return {
    objects: instances.reduce((n, s) => n + s.objects, 0),
    negatives: instances.reduce((n, s) => n + s.negatives, 0),
    bytes,
    instances,
  };
}

export const STATUS_COUNTS = `SELECT instance, status, COUNT(*) AS n, COALESCE(SUM(size), 0) AS bytes
  FROM entries GROUP BY instance, status`;
