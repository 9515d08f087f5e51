// Opens the configured storage drivers: the index (SQLite in the cache directory, or
// PostgreSQL) and the blob store (the cache directory, or an S3 bucket). The cache directory
// is always there: fills spool to its tmp/ before they are verified, whichever driver keeps
// the bytes afterwards.
import { resolve } from 'node:path';
import type { Config } from '../config/schema.js';
import { S3_DELETE_GRACE } from '../config/storage-drivers.js';
import type { Logger } from 'pino';
import type { CacheIndex } from '../index/cache-index.js';
import { PgChangeFeed, type ChangeFeedOptions } from '../index/postgres/change-feed.js';
import { PostgresIndex } from '../index/postgres/postgres-index.js';
import { SqliteIndex } from '../index/sqlite/sqlite-index.js';
import { unavailableIndex } from '../index/unavailable-index.js';
import type { RedirectPolicy } from '../engine/redirect-hit.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import { S3BlobStore } from '../storage/s3/s3-blob-store.js';

type Storage = Config['storage'];

const DAMAGED = new Set(['SQLITE_CORRUPT', 'SQLITE_NOTADB']);

export interface IndexOptions {
  /** SQLite's lock wait per statement (ms); the server keeps it short. */
  busyTimeoutMs?: number;
  /** PostgreSQL connections at most, instead of the configured pool size (tools need few). */
  poolSize?: number;
}

/**
 * How long a blob with no entry left stays before it is deleted: none on the local disk (a
 * reader keeps its open file), 15 minutes in a bucket, where another replica may still be
 * streaming it.
 */
export function deleteGrace(storage: Storage): number {
  return storage.delete_grace ?? (storage.blobs.driver === 's3' ? S3_DELETE_GRACE : 0);
}

/** The engine's redirect of large hits to the bucket, when `storage.blobs.redirect` is set. */
export function redirectPolicy(storage: Storage): { redirect?: RedirectPolicy } {
  const b = storage.blobs;
  if (b.driver !== 's3' || !b.redirect) return {};
  return {
    redirect: { minSize: b.redirect.min_size, expiresSec: Math.round(b.redirect.expires / 1000) },
  };
}

export function openIndex(storage: Storage, o: IndexOptions = {}): CacheIndex {
  const ix = storage.index;
  if (ix.driver === 'postgres') {
    return new PostgresIndex({
      url: ix.url.reveal(),
      poolSize: o.poolSize ?? ix.pool_size,
      statementTimeoutMs: ix.statement_timeout,
      ...(ix.ca_file ? { ca: ix.ca_file.pem } : {}),
    });
  }
  const path = ix.path ?? resolve(storage.dir, 'index.db');
  try {
    return new SqliteIndex(
      path,
      o.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: o.busyTimeoutMs },
    );
  } catch (err) {
    // A damaged file (its schema pages included) must not stop the proxy from serving.
    if (!DAMAGED.has((err as { code?: string }).code ?? '')) throw err;
    return unavailableIndex(err);
  }
}

/** The blob store: `local` itself, or an S3 bucket that takes files from `local`'s tmp/. */
export function openBlobs(storage: Storage, local: FsBlobStore): BlobStore {
  const b = storage.blobs;
  if (b.driver === 'fs') return local;
  return new S3BlobStore({
    bucket: b.bucket,
    prefix: b.prefix,
    region: b.region,
    pathStyle: b.path_style,
    tempPath: () => local.tempPath(),
    multipartThreshold: b.multipart_threshold,
    partSize: b.part_size,
    maxConnections: b.max_connections,
    ...(b.endpoint ? { endpoint: b.endpoint } : {}),
    ...(b.redirect?.public_endpoint ? { publicEndpoint: b.redirect.public_endpoint } : {}),
    ...(b.ca_file ? { ca: b.ca_file.pem } : {}),
    ...(b.access_key_id && b.secret_access_key
      ? {
          credentials: {
            accessKeyId: b.access_key_id.reveal(),
            secretAccessKey: b.secret_access_key.reveal(),
            ...(b.session_token ? { sessionToken: b.session_token.reveal() } : {}),
          },
        }
      : {}),
  });
}

/** With a shared index, the feed that keeps replicas' read-through caches current. */
export function changeFeed(
  storage: Storage,
  driver: CacheIndex,
  log: Logger,
  on: Pick<ChangeFeedOptions, 'onChange' | 'onGap'>,
): PgChangeFeed | null {
  const ix = storage.index;
  if (ix.driver !== 'postgres' || !(driver instanceof PostgresIndex)) return null;
  return new PgChangeFeed({
    url: ix.url.reveal(),
    send: (text, values) => driver.sql(text, values),
    ...on,
    ...(ix.ca_file ? { ca: ix.ca_file.pem } : {}),
    onError: (err) => log.warn({ err: err.message }, 'index change feed lost; retrying'),
  });
}
