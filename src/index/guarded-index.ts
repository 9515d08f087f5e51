// One wrapper for every Index driver's failures: a driver error becomes a TroveError with its
// own code (TROVE_ERR_INDEX, or TROVE_ERR_STORAGE_FULL for a full disk), a lock conflict is
// retried with timers (each attempt waits at most the driver's short busy timeout, so the event
// loop is never held for long), and recent failures are kept for /ready and counted.
import { TroveError } from '../errors.js';
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
import { sleep } from '../util/sleep.js';

export interface IndexHealth {
  /** The latest failure of reads and of writes within `window` ms, or null. */
  read: string | null;
  write: string | null;
}

export interface GuardOptions {
  /** Called for every failure that reaches a caller (after retries). */
  onError?(operation: string, code: string): void;
  /** Delays between attempts after a lock conflict (ms). */
  retryDelays?: readonly number[];
  /** How long a failure keeps the index reported as failing (ms, default 10 s). */
  window?: number;
  now?: () => number;
}

// SQLite's lock conflicts, and PostgreSQL's serialization failure, deadlock and lock timeout
// (SQLSTATE 40001, 40P01, 55P03): each is safe to retry whole.
const LOCK_CODES = new Set([
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
  'SQLITE_LOCKED',
  '40001',
  '40P01',
  '55P03',
]);
// PostgreSQL's disk_full is SQLSTATE 53100.
const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT', '53100']);
const DEFAULT_DELAYS = [5, 10, 20, 40, 80, 160, 320];

function driverCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

/** A driver error as a TroveError naming the operation and the driver's code. */
export function indexError(operation: string, err: unknown): TroveError {
  if (err instanceof TroveError) return err;
  const code = driverCode(err);
  const message = `index ${operation} failed: ${err instanceof Error ? err.message : String(err)} (${code})`;
  return new TroveError(
    FULL_CODES.has(code) ? 'TROVE_ERR_STORAGE_FULL' : 'TROVE_ERR_INDEX',
    message,
    {
      cause: err,
    },
  );
}

export class GuardedIndex implements CacheIndex {
  readonly #inner: CacheIndex;
  readonly #o: Required<Omit<GuardOptions, 'onError'>>;
  readonly #onError: GuardOptions['onError'];
  readonly #failed: Record<ProbeKind, { at: number; message: string } | null> = {
    read: null,
    write: null,
  };

  constructor(inner: CacheIndex, options: GuardOptions = {}) {
    this.#inner = inner;
    this.#o = {
      retryDelays: options.retryDelays ?? DEFAULT_DELAYS,
      window: options.window ?? 10_000,
      now: options.now ?? Date.now,
    };
    this.#onError = options.onError;
  }

  health(): IndexHealth {
    const recent = (k: ProbeKind): string | null => {
      const f = this.#failed[k];
      return f && this.#o.now() - f.at < this.#o.window ? f.message : null;
    };
    return { read: recent('read'), write: recent('write') };
  }

  async #run<T>(
    operation: string,
    kind: ProbeKind,
    fn: () => Promise<T>,
    retry = true,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const delay = retry ? this.#o.retryDelays[attempt] : undefined;
        if (LOCK_CODES.has(driverCode(err)) && delay !== undefined) {
          await sleep(delay);
          continue;
        }
        const e = indexError(operation, err);
        this.#failed[kind] = { at: this.#o.now(), message: e.message };
        this.#onError?.(operation, driverCode(err));
        throw e;
      }
    }
  }

  get(key: string): Promise<IndexEntry | undefined> {
    return this.#run('get', 'read', () => this.#inner.get(key));
  }
  put(entry: IndexEntry): Promise<void> {
    return this.#run('put', 'write', () => this.#inner.put(entry));
  }
  createIfAbsent(entry: IndexEntry): Promise<IndexEntry> {
    return this.#run('createIfAbsent', 'write', () => this.#inner.createIfAbsent(entry));
  }
  delete(keys: string[]): Promise<string[]> {
    return this.#run('delete', 'write', () => this.#inner.delete(keys));
  }
  touch(accesses: readonly Access[]): Promise<void> {
    return this.#run('touch', 'write', () => this.#inner.touch(accesses));
  }
  refresh(
    key: string,
    fields: { fetchedAt: number; etag?: string | null; lastModified?: string | null },
  ): Promise<void> {
    return this.#run('refresh', 'write', () => this.#inner.refresh(key, fields));
  }
  lru(limit: number): Promise<IndexEntry[]> {
    return this.#run('lru', 'read', () => this.#inner.lru(limit));
  }
  expired(now: number, limit: number): Promise<IndexEntry[]> {
    return this.#run('expired', 'read', () => this.#inner.expired(now, limit));
  }
  withDigest(digest: string, keyPrefix: string): Promise<IndexEntry | undefined> {
    return this.#run('withDigest', 'read', () => this.#inner.withDigest(digest, keyPrefix));
  }

  entriesPage(prefix: string, after: string, limit: number): Promise<IndexEntry[]> {
    return this.#run('entriesPage', 'read', () => this.#inner.entriesPage(prefix, after, limit));
  }
  references(digest: string): Promise<boolean> {
    return this.#run('references', 'read', () => this.#inner.references(digest));
  }
  dropDigest(digest: string): Promise<number> {
    return this.#run('dropDigest', 'write', () => this.#inner.dropDigest(digest));
  }
  async *digests(): AsyncIterable<string> {
    const it = this.#inner.digests()[Symbol.asyncIterator]();
    for (;;) {
      // Not retried: a generator that threw is finished, and a retry would end the walk early.
      const next = await this.#run('digests', 'read', () => it.next(), false);
      if (next.done) return;
      yield next.value;
    }
  }
  totalBytes(): Promise<number> {
    return this.#run('totalBytes', 'read', () => this.#inner.totalBytes());
  }
  addCounters(instance: string, counts: Record<string, number>): Promise<void> {
    return this.#run('addCounters', 'write', () => this.#inner.addCounters(instance, counts));
  }
  stats(): Promise<IndexStats> {
    return this.#run('stats', 'read', () => this.#inner.stats());
  }
  getRecord(ns: string, key: string): Promise<IndexRecord | undefined> {
    return this.#run('getRecord', 'read', () => this.#inner.getRecord(ns, key));
  }
  createRecord(ns: string, key: string, value: unknown, at: number): Promise<IndexRecord> {
    return this.#run('createRecord', 'write', () => this.#inner.createRecord(ns, key, value, at));
  }

  putRecord(ns: string, key: string, value: unknown, at: number): Promise<void> {
    return this.#run('putRecord', 'write', () => this.#inner.putRecord(ns, key, value, at));
  }
  deleteRecord(ns: string, key: string): Promise<void> {
    return this.#run('deleteRecord', 'write', () => this.#inner.deleteRecord(ns, key));
  }
  listRecords(ns: string): Promise<IndexRecord[]> {
    return this.#run('listRecords', 'read', () => this.#inner.listRecords(ns));
  }
  pageRecords(ns: string, page: RecordPage): Promise<IndexRecord[]> {
    return this.#run('pageRecords', 'read', () => this.#inner.pageRecords(ns, page));
  }
  claimBlob(digest: string, size: number): Promise<boolean> {
    return this.#run('claimBlob', 'write', () => this.#inner.claimBlob(digest, size));
  }
  releaseBlob(digest: string): Promise<void> {
    return this.#run('releaseBlob', 'write', () => this.#inner.releaseBlob(digest));
  }
  condemnBlob(digest: string, size: number): Promise<void> {
    return this.#run('condemnBlob', 'write', () => this.#inner.condemnBlob(digest, size));
  }
  takeDoomed(graceMs: number, limit: number): Promise<DoomedBlob[]> {
    return this.#run('takeDoomed', 'write', () => this.#inner.takeDoomed(graceMs, limit));
  }
  forgetDoomed(digests: string[]): Promise<void> {
    return this.#run('forgetDoomed', 'write', () => this.#inner.forgetDoomed(digests));
  }
  ping(kind: ProbeKind = 'read'): Promise<void> {
    return this.#run(`ping ${kind}`, kind, () => this.#inner.ping(kind));
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}
