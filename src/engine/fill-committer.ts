// What a fill does with its result: move a verified body into the blob store and write the
// index entry (blob first, index second, so a crash never leaves an entry without bytes);
// record 304s and negative answers. The blob is claimed in the index's deletion queue before it
// is stored, so no process deletes it between the upload and the entry.
import { readFile, unlink } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { CacheIndex, IndexEntry } from '../index/cache-index.js';
import type { Metrics } from '../observability/metrics.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { Evictor } from './evictor.js';
import type { FillHooks, FillOutcome, SpooledBody } from './fill.js';
import type { MemoryCache } from './memory-cache.js';
import type { SpaceReserver } from './space-reserver.js';
import type { Resource } from './types.js';
import { storageError } from '../storage/storage-error.js';
import { sleep } from '../util/sleep.js';

/** Waits for another process's deletion of the same blob: about 5 minutes at most. */
const CLAIM_ATTEMPTS = 310;

/** Where a negative entry keeps the upstream's reason. */
export const REASON = 'x-trove-reason';

interface Deps {
  blobs: BlobStore;
  index: CacheIndex;
  memory: MemoryCache;
  metrics: Metrics;
  log: Logger;
  tempPath(): string;
}

export class FillCommitter {
  constructor(
    private readonly d: Deps,
    private readonly evictor: Evictor,
    private readonly now: () => number,
    private readonly space: SpaceReserver,
  ) {}

  hooks(key: string, instance: string, resource: Resource): FillHooks {
    return {
      tempPath: () => this.d.tempPath(),
      reserve: (size, written) => this.space.reserve(size, written),
      commit: (body) => this.#commit(key, instance, resource, body),
      record: (outcome) => this.#record(key, instance, resource, outcome),
      onUpstreamBytes: (n) => this.d.metrics.bytesFetched.inc({ instance }, n),
    };
  }

  /** For bypass: the body is streamed to its client from the spool, then thrown away. */
  discardHooks(instance: string): FillHooks {
    return {
      tempPath: () => this.d.tempPath(),
      reserve: (size, written) => this.space.reserve(size, written),
      commit: (body) => unlink(body.path),
      record: async () => undefined,
      onUpstreamBytes: (n) => this.d.metrics.bytesFetched.inc({ instance }, n),
    };
  }

  async #commit(
    key: string,
    instance: string,
    resource: Resource,
    body: SpooledBody,
  ): Promise<void> {
    const limit = this.d.memory.limit(resource.class);
    const small = body.size <= limit ? (body.inMemory() ?? (await readFile(body.path))) : null;
    // Nothing was indexed: the spool file goes (its open handle still serves the readers).
    const abandon = async (err: unknown, doing: string): Promise<never> => {
      await unlink(body.path).catch(() => undefined);
      throw storageError(err, doing);
    };
    await this.#claim(body.digest, body.size).catch((err: unknown) =>
      abandon(err, 'claiming the blob for this commit'),
    );
    // Whether a blob may now wait for deletion: this one (not indexed) or the body it replaced.
    let doomed = true;
    try {
      await this.d.blobs
        .importFile(body.path, { digest: body.digest, size: body.size })
        .catch((err: unknown) => abandon(err, 'moving the body into the blob store'));
      doomed = await this.#index(key, instance, resource, body, small);
    } finally {
      // The entry took the claim over, or the blob waits for deletion (even when the index
      // cannot say now: the claim then counts as abandoned after a while).
      await this.d.index.releaseBlob(body.digest).catch(() => undefined);
      if (doomed) await this.evictor.reaper.released().catch(() => undefined);
    }
    resource.committed?.();
    void this.evictor
      .enforce()
      .catch((err: unknown) => this.d.log.error({ err }, 'eviction failed'));
  }

  /** Waits while another process deletes this blob, so it is not deleted under the commit. */
  async #claim(digest: string, size: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      if (await this.d.index.claimBlob(digest, size)) return;
      if (attempt >= CLAIM_ATTEMPTS) throw new Error(`blob ${digest} is still being deleted`);
      await sleep(Math.min(1000, 10 * 2 ** attempt));
    }
  }

  /** Writes the entry; true when a blob may now wait for deletion (refused, or replaced). */
  async #index(
    key: string,
    instance: string,
    resource: Resource,
    body: SpooledBody,
    small: Buffer | null,
  ): Promise<boolean> {
    const now = this.now();
    const entry: IndexEntry = {
      key,
      instance,
      status: 'ok',
      digest: body.digest,
      size: body.size,
      upstreamStatus: 200,
      headers: body.headers,
      fetchedAt: now,
      etag: body.validators.etag,
      lastModified: body.validators.lastModified,
      lastAccess: now,
      hits: 0,
      expireAfter: resource.policy.expireAfter,
    };
    let replaced = false;
    if (resource.policy.mode === 'immutable') {
      const winner = await this.d.index.createIfAbsent(entry);
      if (winner.status === 'negative') {
        await this.d.index.put(entry);
      } else if (winner.digest !== entry.digest) {
        // The first copy of an immutable key wins; a different later copy is refused.
        this.d.log.warn(
          { key, kept: winner.digest, refused: entry.digest },
          'immutable key changed upstream; keeping the first copy',
        );
        return true;
      }
    } else {
      const old = await this.d.index.get(key);
      await this.d.index.put(entry);
      replaced = old?.digest != null && old.digest !== entry.digest;
    }
    if (small) this.d.memory.set(body.digest, small, this.d.memory.limit(resource.class));
    return replaced;
  }

  async #record(
    key: string,
    instance: string,
    resource: Resource,
    outcome: FillOutcome,
  ): Promise<void> {
    const now = this.now();
    if (outcome.kind === 'not-modified') {
      await this.d.index.refresh(key, {
        fetchedAt: now,
        ...(outcome.validators.etag ? { etag: outcome.validators.etag } : {}),
        ...(outcome.validators.lastModified
          ? { lastModified: outcome.validators.lastModified }
          : {}),
      });
      return;
    }
    if (outcome.kind !== 'negative') return;
    if (resource.policy.negativeTtl <= 0) {
      await this.evictor.remove([key], 'gone_upstream');
      return;
    }
    const old = await this.d.index.get(key);
    await this.d.index.put({
      key,
      instance,
      status: 'negative',
      digest: null,
      size: 0,
      upstreamStatus: outcome.status,
      headers: outcome.reason ? { [REASON]: outcome.reason } : {},
      fetchedAt: now,
      etag: null,
      lastModified: null,
      lastAccess: now,
      hits: 0,
      expireAfter: resource.policy.negativeTtl,
    });
    // The old body, if no other entry shares it, was queued for deletion by the index.
    if (old?.digest) await this.evictor.reaper.released();
  }
}
