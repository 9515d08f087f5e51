// Large hits answered with a temporary redirect to the blob store (a presigned bucket URL), so
// their bytes go from the bucket to the client without passing through Trove. Only a plain
// GET of a whole artifact is redirected: conditional requests, HEAD and metadata (which an
// ecosystem may serve with headers of its own) are answered as usual.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IndexEntry } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { CacheResult, Resource, ServeOutcome } from './types.js';

export interface RedirectPolicy {
  /** Hits at least this big are redirected (bytes). */
  minSize: number;
  /** How long the URL stays valid (s). */
  expiresSec: number;
}

const CONDITIONAL = ['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since'];

function applies(
  req: IncomingMessage,
  entry: IndexEntry,
  resource: Resource,
  policy: RedirectPolicy,
): boolean {
  return (
    req.method === 'GET' &&
    resource.class !== 'metadata' &&
    entry.digest !== null &&
    entry.size >= policy.minSize &&
    !CONDITIONAL.some((h) => req.headers[h] !== undefined)
  );
}

/** Sends the redirect and returns the outcome, or null when the hit is served as usual. */
export async function redirectHit(
  req: IncomingMessage,
  res: ServerResponse,
  entry: IndexEntry,
  result: CacheResult,
  resource: Resource,
  blobs: BlobStore,
  policy: RedirectPolicy | undefined,
): Promise<ServeOutcome | null> {
  if (!policy || !blobs.presign || !applies(req, entry, resource, policy)) return null;
  const type = entry.headers['content-type'];
  const location = await blobs.presign(entry.digest as string, {
    expiresSec: policy.expiresSec,
    ...(type ? { contentType: type } : {}),
  });
  res.writeHead(307, {
    location,
    'x-cache': result,
    'cache-control': 'no-store',
    'content-length': 0,
  });
  res.end();
  return { result, status: 307, bytes: 0 };
}
