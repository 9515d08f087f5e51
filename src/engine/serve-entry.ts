// Serves a committed entry: from memory when small and hot, else from the blob store. A blob is
// never trusted blindly: its stored size is checked against the entry before any header goes
// out, and a whole-body read is hashed as it streams, with the last chunk held back until the
// digest matches. A damaged blob is therefore either refetched before the answer starts or cut
// before its end, so a client can never take it for a good copy.
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IndexEntry } from '../index/cache-index.js';
import type { BlobReader, BlobStore } from '../storage/blob-store.js';
import type { MemoryCache } from './memory-cache.js';
import { planBody, sendIfBodiless, spanLength, type BodyPlan } from './respond.js';
import type { CacheResult, ServeOutcome } from './types.js';
import type { VerifiedBlobs } from './verified-blobs.js';
import { WritePacer } from './write-pacer.js';

/** A strong validator for objects whose upstream sent none: the content digest itself. */
export function entryEtag(entry: IndexEntry): string {
  return entry.etag ?? `"sha256-${(entry.digest ?? '').slice(0, 32)}"`;
}

export type Served =
  /**
   * `damaged` says why the blob is bad: the body stopped short of its end and the response is
   * left open, for the caller to cut once the blob is dropped (so a client that retries at
   * once never meets it again).
   */
  | { kind: 'served'; outcome: ServeOutcome; damaged?: string }
  /** Nothing was sent: the blob is gone, or its size is wrong. */
  | { kind: 'missing' }
  | { kind: 'corrupt'; why: string };

export interface HitContext {
  blobs: BlobStore;
  memory: MemoryCache;
  now: number;
  /** The largest body of this entry's class kept in memory. */
  memoryLimit: number;
  /** Which whole-body reads are hashed against the digest (storage.verify_hits). */
  verified: VerifiedBlobs;
}

export async function serveEntry(
  req: IncomingMessage,
  res: ServerResponse,
  entry: IndexEntry,
  result: CacheResult,
  c: HitContext,
): Promise<Served> {
  const digest = entry.digest as string;
  const plan = planBody(
    req,
    {
      headers: entry.headers,
      size: entry.size,
      etag: entryEtag(entry),
      lastModified: entry.lastModified,
    },
    { 'x-cache': result, age: String(Math.max(0, Math.floor((c.now - entry.fetchedAt) / 1000))) },
    true,
  );
  const served = (status: number, bytes: number): Served => ({
    kind: 'served',
    outcome: { result, status, bytes },
  });
  const cached = c.memory.get(digest);
  if (cached || plan.kind === 'none') {
    if (sendIfBodiless(req, res, plan)) return served(plan.status, 0);
    if (plan.kind === 'none' || !cached) throw new Error('unreachable');
    if (plan.kind === 'multi') {
      const sent = await sendParts(res, plan, (at, n) =>
        Promise.resolve(cached.subarray(at, at + n)),
      );
      return served(plan.status, sent.bytes);
    }
    res.writeHead(plan.status, plan.headers);
    res.end(plan.kind === 'range' ? cached.subarray(plan.start, (plan.end as number) + 1) : cached);
    return served(plan.status, spanLength(plan, entry.size));
  }
  const blob = await c.blobs.open(digest);
  if (!blob) return { kind: 'missing' };
  try {
    if (blob.size !== entry.size) {
      return { kind: 'corrupt', why: `stored size ${blob.size}, expected ${entry.size}` };
    }
    if (sendIfBodiless(req, res, plan)) return served(plan.status, 0);
    if (plan.kind === 'multi') {
      const sent = await sendParts(res, plan, (at, n) => blob.read(at, n));
      const out = served(plan.status, sent.bytes);
      if (sent.damaged && out.kind === 'served') out.damaged = sent.damaged;
      return out;
    }
    const whole = plan.kind === 'full';
    const hash = whole && c.verified.needsHash(digest, blob.identity);
    const sent = await pump(blob, res, plan.start, plan.end ?? entry.size - 1, {
      digest: hash ? digest : null,
      keep:
        whole && entry.size <= c.memoryLimit ? (b) => c.memory.set(digest, b, c.memoryLimit) : null,
      begin: () => res.writeHead(plan.status, plan.headers),
    });
    // Found before the status line went out (a body that fits in the first read): refetch.
    if (sent.damaged && !sent.begun) return { kind: 'corrupt', why: sent.damaged };
    if (hash && !sent.damaged && sent.bytes === entry.size)
      c.verified.verified(digest, blob.identity);
    const out = served(plan.status, sent.bytes);
    if (sent.damaged && out.kind === 'served') out.damaged = sent.damaged;
    return out;
  } finally {
    await blob.close();
  }
}

/**
 * Sends several spans of an object as multipart/byteranges. A span that reads short stops the
 * body before its end (the caller cuts the response).
 */
async function sendParts(
  res: ServerResponse,
  plan: Extract<BodyPlan, { kind: 'multi' }>,
  read: (at: number, length: number) => Promise<Buffer>,
): Promise<{ bytes: number; damaged?: string }> {
  res.writeHead(plan.status, plan.headers);
  const pacer = new WritePacer();
  let bytes = 0;
  try {
    for (const part of plan.parts) {
      await pacer.write(res, part.head);
      bytes += part.head.length;
      for (let at = part.start; at <= part.end;) {
        if (res.destroyed) return { bytes };
        const want = Math.min(pacer.size, part.end - at + 1);
        const chunk = await read(at, want);
        if (chunk.length < want) return { bytes, damaged: `blob ended at ${at + chunk.length}` };
        await pacer.write(res, chunk);
        bytes += chunk.length;
        at += chunk.length;
      }
    }
  } catch (err) {
    return { bytes, damaged: `read failed: ${(err as Error).message}` };
  }
  res.end(plan.tail);
  return { bytes: bytes + plan.tail.length };
}

interface PumpOptions {
  /** Verify the bytes against this sha256; the last chunk waits for the verdict. */
  digest: string | null;
  /** Receives the whole body once it is verified (small objects, for the memory cache). */
  keep: ((body: Buffer) => void) | null;
  /** Sends the status line and headers, just before the first body byte. */
  begin(): void;
}

interface Pumped {
  bytes: number;
  /** Why the blob is bad, when it is. */
  damaged?: string;
  /** Whether the status line went out (else nothing was sent). */
  begun: boolean;
}

/**
 * Streams bytes [start, end] of a blob. The first chunk is read before the status line goes
 * out, so a small damaged blob is caught while the request can still be refetched; later
 * damage stops the body before its end (the caller cuts the response).
 */
async function pump(
  blob: BlobReader,
  res: ServerResponse,
  start: number,
  end: number,
  o: PumpOptions,
): Promise<Pumped> {
  const hash = o.digest ? createHash('sha256') : null;
  const kept: Buffer[] | null = o.keep ? [] : null;
  const pacer = new WritePacer();
  let pos = start;
  let bytes = 0;
  let begun = false;
  const cut = (why: string): Pumped => ({ bytes, damaged: why, begun });
  type Read = { want: number; buf: Promise<Buffer> };
  const read = (at: number): Read => {
    const want = Math.min(pacer.size, end - at + 1);
    return { want, buf: blob.read(at, want) };
  };
  let next: Read | null = read(pos);
  try {
    while (pos <= end) {
      if (res.destroyed) return { bytes, begun };
      const r: Read = next ?? read(pos);
      const chunk = await r.buf;
      if (chunk.length < r.want) return cut(`blob ended at ${pos + chunk.length} of ${end + 1}`);
      pos += chunk.length;
      next = null;
      hash?.update(chunk);
      kept?.push(chunk);
      if (pos > end && hash && o.digest) {
        const got = hash.digest('hex');
        if (got !== o.digest) return cut(`sha256 is ${got}`);
      }
      if (!begun) {
        o.begin();
        begun = true;
      }
      await pacer.write(res, chunk);
      bytes += chunk.length;
      // Read the next chunk while the kernel sends this one, for a client that keeps up.
      if (pos <= end && pacer.keepsUp) next = read(pos);
    }
  } catch (err) {
    return cut(`read failed: ${(err as Error).message}`);
  } finally {
    // A read still in flight settles into nothing (its failure is not this response's).
    next?.buf.catch(() => undefined);
  }
  if (!begun) o.begin();
  if (kept && o.keep) o.keep(Buffer.concat(kept));
  res.end();
  return { bytes, begun: true };
}

/**
 * A whole blob in memory (from the memory cache when hot), checked against the entry's size
 * and digest. `missing` when the blob is gone, `corrupt` when it does not match.
 */
export async function readBlob(
  blobs: BlobStore,
  memory: MemoryCache,
  entry: IndexEntry,
  limit = memory.maxObject,
): Promise<Buffer | 'missing' | 'corrupt'> {
  const digest = entry.digest as string;
  const cached = memory.get(digest);
  if (cached) return cached;
  const blob = await blobs.open(digest);
  if (!blob) return 'missing';
  try {
    if (blob.size !== entry.size) return 'corrupt';
    const buf = await blob.read(0, blob.size);
    if (buf.length !== entry.size) return 'corrupt';
    if (createHash('sha256').update(buf).digest('hex') !== digest) return 'corrupt';
    memory.set(digest, buf, limit);
    return buf;
  } finally {
    await blob.close();
  }
}
