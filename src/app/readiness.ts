// What /ready checks: everything a request needs, each part on its own, so an operator sees
// which one fails. An index read and a committed index write, a blob written, fsynced and
// renamed into the blob store, and no index failure in the last 10 seconds (a damaged page may
// hide from a probe but not from real traffic).
import type { GuardedIndex } from '../index/guarded-index.js';
import type { BlobStore } from '../storage/blob-store.js';

export type Checks = Record<string, 'ok' | string>;

const PROBE_TIMEOUT_MS = 5000;

async function check(fn: () => Promise<void>): Promise<'ok' | string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${PROBE_TIMEOUT_MS} ms`), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([fn().then(() => 'ok' as const), timeout]);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(blobs: BlobStore, index: GuardedIndex): Promise<Checks> {
  const [indexRead, indexWrite, blobWrite] = await Promise.all([
    check(() => index.ping('read')),
    check(() => index.ping('write')),
    check(() => blobs.ping()),
  ]);
  const recent = index.health();
  return {
    index_read: indexRead,
    index_write: indexWrite,
    blob_write: blobWrite,
    index_recent_reads: recent.read ?? 'ok',
    index_recent_writes: recent.write ?? 'ok',
  };
}
