// One upstream fetch for one key. The body is spooled to a temp file while it is hashed;
// every waiting client tails that file at its own pace (see fill-reader.ts). The fill belongs
// to the engine, not to the request that started it, so client disconnects never cancel it.
import { unlink } from 'node:fs/promises';
import { TroveError, toTroveError } from '../errors.js';
import type { Origin, UpstreamResponse } from '../upstream/upstream-pool.js';
import { consumeBody } from '../upstream/consume-body.js';
import { transportError } from '../upstream/errors.js';
import { storageError } from '../storage/storage-error.js';
import { findMismatch, MultiHash } from './digests.js';
import { confirmable, frame } from './body-framing.js';
import { declaredDigests } from './http-digest.js';
import { FillView } from './fill-view.js';
import { bodyView, dropSpool, openSpool, spoolError, writeAll, type Spool } from './spool-file.js';
import type { Resource } from './types.js';
import { bufferLimit, notFoundReason, pickHeaders, statusError } from './upstream-answer.js';

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export type FillOutcome =
  | { kind: 'body'; headers: Record<string, string>; size: number | null; validators: Validators }
  | { kind: 'not-modified'; validators: Validators }
  | { kind: 'negative'; status: 404 | 410; reason?: string }
  | { kind: 'error'; error: TroveError };

export interface SpooledBody {
  /** The whole body from memory when the fill still holds all of it (small bodies). */
  inMemory(): Buffer | null;
  path: string;
  digest: string;
  size: number;
  headers: Record<string, string>;
  validators: Validators;
}

export interface FillHooks {
  tempPath(): string;
  /** Called with a verified spooled body; moves it into storage and writes the index. */
  commit(body: SpooledBody): Promise<void>;
  /**
   * Reserves room for a body of known length before its first byte; the returned function
   * releases it. Rejects (TROVE_ERR_STORAGE_FULL) when it does not fit.
   */
  reserve?(size: number, written: () => number): Promise<() => void>;
  /** Called for 304 and 404/410 outcomes, before waiters are released. */
  record(outcome: FillOutcome): Promise<void>;
  onUpstreamBytes?(n: number): void;
}

/** Recent bytes kept in memory per fill for readers that keep up. */
const WINDOW_BYTES = 4 * 1024 * 1024;

export class Fill extends FillView {
  readonly outcome: Promise<FillOutcome>;
  /** Resolves when the fill is committed (null) or has failed (the error). Never rejects. */
  readonly settled: Promise<TroveError | null>;
  /** Bytes received from upstream (hashed, in memory). */
  received = 0;
  /** Bytes on disk in the spool file. */
  written = 0;
  /** The spool file, once the body has started (other workers read it by name). */
  spoolPath: string | null = null;
  /** Called whenever the fill makes progress, ends, or fails (a cluster worker publishes it). */
  onChange: (() => void) | null = null;
  #done = false;
  /** Set by abort(): the fill stops at its next chunk, or before it commits. */
  #aborted: TroveError | null = null;
  #error: TroveError | null = null;
  #uncommitted: TroveError | null = null;
  #release: (() => void) | null = null;
  #wake: Array<() => void> = [];
  #resolveOutcome!: (o: FillOutcome) => void;

  constructor(key: string) {
    super(key, WINDOW_BYTES);
    this.outcome = new Promise((resolve) => (this.#resolveOutcome = resolve));
    this.settled = this.outcome.then(async (o) => {
      if (o.kind === 'error') return o.error;
      if (o.kind !== 'body') return null;
      await this.#bodyDone();
      return this.#error;
    });
  }

  /** Bytes a reader may send now. The last byte is held back until the fill is verified, so a
   *  client can never see a complete body that later fails verification. */
  get readable(): number {
    return this.#done ? this.received : Math.max(0, this.received - 1);
  }
  get done(): boolean {
    return this.#done;
  }
  get error(): TroveError | null {
    return this.#error;
  }
  /**
   * Why a complete, verified body could not be stored (storage or index failure). Its clients
   * still get the whole body from the spool file; nothing is cached.
   */
  get uncommitted(): TroveError | null {
    return this.#uncommitted;
  }

  /**
   * Stops a fill that may no longer commit (its cluster-wide lease was lost): it fails at its
   * next body chunk, or before it commits, and nothing is stored.
   */
  abort(error: TroveError): void {
    if (!this.#done && !this.#error) this.#aborted = error;
  }

  /** Waits until more bytes are readable, or the fill ends. */
  progress(): Promise<void> {
    if (this.#done || this.#error) return Promise.resolve();
    return new Promise((resolve) => this.#wake.push(resolve));
  }

  async run(
    origin: Origin,
    what: Resource,
    hooks: FillHooks,
    conditional?: Validators,
  ): Promise<void> {
    let resource = what;
    let pool = origin;
    if (what.prepare) {
      try {
        const more = await what.prepare();
        resource = { ...what, ...more };
        pool = more.origin ?? origin;
      } catch (err) {
        return this.#fail(toTroveError(err), false);
      }
    }
    // Open the spool file while the request is in flight, unless a 304 is the likely answer.
    let spool: Promise<Spool> | null = conditional ? null : openSpool(hooks.tempPath());
    const discard = (): void => {
      if (spool) void spool.then(dropSpool);
      spool = null;
    };
    let res: UpstreamResponse;
    try {
      const headers: Record<string, string> = {
        'accept-encoding': 'identity',
        ...resource.upstreamHeaders,
      };
      if (conditional?.etag) headers['if-none-match'] = conditional.etag;
      if (conditional?.lastModified) headers['if-modified-since'] = conditional.lastModified;
      res = await pool.fetch(resource.upstreamPath, { headers });
    } catch (err) {
      discard();
      return this.#fail(transportError(err, 'upstream request failed'), false);
    }
    if (res.status !== 200) discard();
    const validators = {
      etag: res.headers['etag'] ?? null,
      lastModified: res.headers['last-modified'] ?? null,
    };
    if (res.status === 304 && conditional) {
      res.body.resume();
      return this.#settleWithout({ kind: 'not-modified', validators }, hooks);
    }
    if (res.status === 404 || res.status === 410) {
      const reason = await notFoundReason(res);
      const outcome: FillOutcome = {
        kind: 'negative',
        status: res.status,
        ...(reason ? { reason } : {}),
      };
      return this.#settleWithout(outcome, hooks);
    }
    if (res.status !== 200) {
      res.body.resume();
      return this.#fail(statusError(res), false);
    }
    await this.#spool(res, resource, hooks, validators, spool ?? openSpool(hooks.tempPath()));
  }

  /** A 304 or a 404/410: the upstream's answer stands even when the index cannot record it. */
  async #settleWithout(outcome: FillOutcome, hooks: FillHooks): Promise<void> {
    try {
      await hooks.record(outcome);
    } catch (err) {
      this.#uncommitted = storageError(err, 'recording the upstream answer');
    }
    this.#resolveOutcome(outcome);
  }

  async #spool(
    res: UpstreamResponse,
    resource: Resource,
    hooks: FillHooks,
    validators: Validators,
    spool: Promise<Spool>,
  ): Promise<void> {
    const framed = frame(res, bufferLimit(res.headers));
    const limit = resource.maxSize ?? Number.POSITIVE_INFINITY;
    if ('error' in framed) return this.#refuse(res, spool, framed.error);
    if (framed.size !== null && framed.size > limit) {
      const msg = `upstream declares ${framed.size} bytes, limit is ${limit}`;
      return this.#refuse(res, spool, new TroveError('TROVE_ERR_TOO_LARGE', msg));
    }
    // A body whose declared length is not the one the metadata lists is refused before any
    // byte reaches a client (a rebuilt package under an old name): an error, not a cut stream.
    const want = resource.expect?.size;
    if (framed.size !== null && want !== undefined && framed.size !== want) {
      const msg = `size mismatch: expected ${want}, upstream declares ${framed.size}`;
      return this.#refuse(res, spool, new TroveError('TROVE_ERR_VERIFY', msg));
    }
    const { size, body } = framed;
    if (size !== null && hooks.reserve) {
      try {
        this.#release = await hooks.reserve(size, () => this.written);
      } catch (err) {
        return this.#refuse(res, spool, storageError(err, 'reserving room for the body'));
      }
    }
    const opened = await spool;
    if ('error' in opened) {
      body.destroy();
      return this.#fail(storageError(opened.error, 'opening the spool file'), false);
    }
    const { path, fh } = opened;
    this.handle = fh;
    this.spoolPath = path;
    const headers: Record<string, string> = {
      ...pickHeaders(res.headers, resource.keepHeaders),
      ...resource.fixedHeaders,
    };
    this.#resolveOutcome({ kind: 'body', headers, size, validators });
    // Checksums the ecosystem knows, plus any the upstream declares in HTTP headers.
    const declared = declaredDigests(res.headers);
    const expected = [...(resource.expect?.digests ?? []), ...declared];
    const hash = new MultiHash(expected, resource.checksumHeaders);
    try {
      const onData = (chunk: Buffer): void => {
        if (this.#aborted) throw this.#aborted;
        if (this.received + chunk.length > limit) {
          throw new TroveError('TROVE_ERR_TOO_LARGE', `body exceeds the ${limit}-byte limit`);
        }
        hash.update(chunk);
        this.window.push(chunk);
        this.received += chunk.length;
        hooks.onUpstreamBytes?.(chunk.length);
        this.#notify();
      };
      await consumeBody(body, bufferLimit(res.headers), onData, async (chunk) => {
        await writeAll(fh, chunk, this.written);
        this.written += chunk.length;
        this.window.trim(this.written);
        this.onChange?.();
      });
      if (size !== null && this.received !== size) {
        const msg = `upstream sent ${this.received} of ${size} bytes`;
        throw new TroveError('TROVE_ERR_UPSTREAM_BODY', msg);
      }
      if (want !== undefined && want !== this.received) {
        const msg = `size mismatch: expected ${want}, got ${this.received}`;
        throw new TroveError('TROVE_ERR_VERIFY', msg);
      }
      const digests = hash.digest();
      const mismatch = findMismatch(digests, expected);
      if (mismatch) throw new TroveError('TROVE_ERR_VERIFY', mismatch);
      const digest = digests.get('sha256') as string;
      if (resource.verify) await resource.verify(bodyView(fh, this.received, digest, headers));
      if (resource.digestHeader) headers[resource.digestHeader] = `sha256:${digest}`;
      for (const alg of resource.checksumHeaders ?? []) {
        headers[`x-checksum-${alg}`] = digests.get(alg) as string;
      }
      // A content digest makes a strong validator where the upstream sent none, so the entry
      // can be revalidated later (the ecosystem's origin knows how to answer it).
      const stored =
        resource.digestHeader && !validators.etag
          ? { ...validators, etag: `"sha256:${digest}"` }
          : validators;
      await fh.sync();
      if (this.#aborted) throw this.#aborted;
      const total = this.received;
      const inMemory = (): Buffer | null => this.window.prefix(total);
      if (framed.unframed && !confirmable(resource, declared.length)) {
        // Served to its clients, but a cut connection would have looked the same: not cached.
        await unlink(path).catch(() => undefined);
        this.#uncommitted = new TroveError(
          'TROVE_ERR_UPSTREAM_BODY',
          'the upstream sent neither a length nor chunked framing, so the body is not cached',
        );
      } else {
        try {
          await hooks.commit({ path, digest, size: total, headers, validators: stored, inMemory });
        } catch (err) {
          // The body is whole and verified: its clients get all of it, only the cache misses out.
          this.#uncommitted = storageError(err, 'storing the body');
        }
      }
      this.#done = true;
      this.#release?.();
      this.#notify();
    } catch (err) {
      body.destroy();
      res.body.destroy();
      await unlink(path).catch(() => undefined);
      this.#fail(err instanceof TroveError ? err : spoolError(err), true);
    }
  }

  /**
   * Fails before any byte: the body is dropped unread, and the spool file is gone before the
   * clients hear of the failure.
   */
  async #refuse(res: UpstreamResponse, spool: Promise<Spool>, error: TroveError): Promise<void> {
    res.body.destroy();
    await spool.then(dropSpool);
    this.#fail(error, false);
  }

  #bodyDone(): Promise<void> {
    if (this.#done || this.#error) return Promise.resolve();
    return this.progress().then(() => this.#bodyDone());
  }

  #fail(error: TroveError, afterOutcome: boolean): void {
    this.#error = error;
    this.#release?.();
    this.window.clear();
    if (!afterOutcome) this.#resolveOutcome({ kind: 'error', error });
    this.#notify();
    void this.closeIfDone();
  }

  #notify(): void {
    this.onChange?.();
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }

  protected closeIfDone(): Promise<void> {
    return this.closeSpool(this.#done || this.#error !== null, this.#error !== null);
  }
}
