// Serves a committed entry: from memory when small and hot, else from the blob store.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { IndexEntry } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { MemoryCache } from './memory-cache.js';
import { planBody, sendIfBodiless, spanLength } from './respond.js';
import type { CacheResult, ServeOutcome } from './types.js';

/** A strong validator for objects whose upstream sent none: the content digest itself. */
export function entryEtag(entry: IndexEntry): string {
  return entry.etag ?? `"sha256-${(entry.digest ?? '').slice(0, 32)}"`;
}

export async function serveEntry(
  req: IncomingMessage,
  res: ServerResponse,
  entry: IndexEntry,
  result: CacheResult,
  blobs: BlobStore,
  memory: MemoryCache,
  now: number,
): Promise<ServeOutcome | 'missing'> {
  const digest = entry.digest as string;
  const plan = planBody(
    req,
    {
      headers: entry.headers,
      size: entry.size,
      etag: entryEtag(entry),
      lastModified: entry.lastModified,
    },
    { 'x-cache': result, age: String(Math.max(0, Math.floor((now - entry.fetchedAt) / 1000))) },
  );
  const cached = memory.get(digest);
  if (!cached && plan.kind !== 'none') {
    // Confirm the blob exists before committing to a status line.
    if (!(await blobs.stat(digest))) return 'missing';
  }
  if (sendIfBodiless(req, res, plan)) return { result, status: plan.status, bytes: 0 };
  if (plan.kind === 'none') throw new Error('unreachable');
  const bytes = spanLength(plan, entry.size);
  if (cached) {
    res.writeHead(plan.status, plan.headers);
    res.end(plan.kind === 'range' ? cached.subarray(plan.start, (plan.end as number) + 1) : cached);
    return { result, status: plan.status, bytes };
  }
  const range = plan.kind === 'range' ? { start: plan.start, end: plan.end as number } : undefined;
  if (entry.size === 0) {
    res.writeHead(plan.status, plan.headers).end();
    return { result, status: plan.status, bytes: 0 };
  }
  const stream = blobs.createReadStream(digest, range);
  if (!(await opened(stream))) return 'missing';
  res.writeHead(plan.status, plan.headers);
  if (entry.size <= memory.maxObject && plan.kind === 'full') {
    const parts: Buffer[] = [];
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.once('end', () => memory.set(digest, Buffer.concat(parts)));
  }
  await pipe(stream, res);
  return { result, status: plan.status, bytes };
}

/** Waits until a read stream is readable (or fails to open). */
function opened(stream: Readable): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = (): void => {
      stream.off('error', bad);
      resolve(true);
    };
    const bad = (): void => {
      stream.off('ready', ok);
      resolve(false);
    };
    stream.once('ready', ok);
    stream.once('error', bad);
  });
}

function pipe(src: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => resolve();
    src.once('error', () => {
      res.destroy();
      done();
    });
    res.once('close', () => {
      src.destroy();
      done();
    });
    src.once('end', done);
    src.pipe(res);
  });
}

/** A whole blob in memory (from the memory cache when hot); null when the blob is gone. */
export async function readBlob(
  blobs: BlobStore,
  memory: MemoryCache,
  digest: string,
): Promise<Buffer | null> {
  const cached = memory.get(digest);
  if (cached) return cached;
  const parts: Buffer[] = [];
  try {
    for await (const chunk of blobs.createReadStream(digest)) parts.push(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const buf = Buffer.concat(parts);
  memory.set(digest, buf);
  return buf;
}
