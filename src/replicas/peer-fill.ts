// A fill another replica runs, streamed from that replica's internal endpoint. The owner sends
// its answer (as it would tell a local reader), then the body as its fill makes bytes safe to
// send; it holds the last byte until the body is verified, so every byte that arrives here may
// go on to clients. The bytes are spooled to a local temp file, so this replica's clients read
// them at their own pace, as they read a fill of their own.
// When the owner cannot be reached, or no longer runs the fill, this replica waits (bounded)
// for the key to be committed or for the lease to end, then answers "look again": the engine
// reads the index, and claims the key itself when nothing was stored.
import { unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from 'undici';
import { TroveError } from '../errors.js';
import type { FillOutcome } from '../engine/fill.js';
import { FillView, LOOK_AGAIN } from '../engine/fill-view.js';
import { dropSpool, openSpool, writeAll } from '../engine/spool-file.js';
import { outcomeFromWire, type WireOutcome } from '../cluster/messages.js';

const WINDOW_BYTES = 4 * 1024 * 1024;

export interface PeerSource {
  /** The owner's fill endpoint for this key; null when the owner gave no address. */
  url: string | null;
  token: string;
  dispatcher: Dispatcher;
  tempPath(): string;
  /** Resolves once the key is committed, its lease is gone, or waiting makes no more sense. */
  settledElsewhere(): Promise<void>;
}

export class PeerFill extends FillView {
  readonly outcome: Promise<FillOutcome>;
  readonly settled: Promise<TroveError | null>;
  received = 0;
  #done = false;
  #error: TroveError | null = null;
  #wake: Array<() => void> = [];
  #answer!: (o: FillOutcome) => void;
  #settle!: (e: TroveError | null) => void;

  constructor(key: string, source: PeerSource) {
    super(key, WINDOW_BYTES);
    this.outcome = new Promise((resolve) => (this.#answer = resolve));
    this.settled = new Promise((resolve) => (this.#settle = resolve));
    void this.#run(source);
  }

  get readable(): number {
    return this.received;
  }
  get done(): boolean {
    return this.#done;
  }
  get error(): TroveError | null {
    return this.#error;
  }
  get uncommitted(): TroveError | null {
    return null;
  }

  progress(): Promise<void> {
    if (this.#done || this.#error) return Promise.resolve();
    return new Promise((resolve) => this.#wake.push(resolve));
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }

  async #run(src: PeerSource): Promise<void> {
    if (src.url === null) return this.#lookAgain(src);
    let res: Dispatcher.ResponseData;
    try {
      res = await request(src.url, {
        dispatcher: src.dispatcher,
        headers: { authorization: `Bearer ${src.token}` },
        headersTimeout: 30_000,
        bodyTimeout: 120_000,
      });
    } catch {
      return this.#lookAgain(src);
    }
    const wire = res.headers['x-trove-outcome'];
    if (res.statusCode !== 200 || typeof wire !== 'string') {
      res.body.resume();
      return this.#lookAgain(src);
    }
    let o: FillOutcome;
    try {
      o = outcomeFromWire(JSON.parse(wire) as WireOutcome);
    } catch {
      res.body.resume();
      return this.#lookAgain(src);
    }
    if (o.kind !== 'body') {
      res.body.resume();
      this.#answer(o);
      return this.#settle(o.kind === 'error' ? o.error : null);
    }
    const spool = await openSpool(src.tempPath());
    if ('error' in spool) {
      res.body.destroy();
      await dropSpool(spool);
      // Nowhere to keep the bytes: answer from the index once the owner has committed.
      return this.#lookAgain(src);
    }
    this.handle = spool.fh;
    this.#answer(o);
    await this.#stream(res.body, spool.fh, o.size);
    // Readers keep the open handle; the name is not needed.
    await unlink(spool.path).catch(() => undefined);
  }

  async #stream(body: Readable, fh: FileHandle, size: number | null): Promise<void> {
    let written = 0;
    try {
      for await (const piece of body) {
        const chunk = piece as Buffer;
        this.window.push(chunk);
        this.received += chunk.length;
        this.#notify();
        await writeAll(fh, chunk, written);
        written += chunk.length;
        this.window.trim(written);
      }
      if (size !== null && this.received !== size) {
        throw new Error(`the owner sent ${this.received} of ${size} bytes`);
      }
      this.#done = true;
      this.#notify();
      this.#settle(null);
    } catch (err) {
      body.destroy();
      this.#fail(
        new TroveError(
          'TROVE_ERR_FILL_LOST',
          `the replica filling this object stopped: ${(err as Error).message}`,
        ),
      );
    }
  }

  async #lookAgain(src: PeerSource): Promise<void> {
    await src.settledElsewhere();
    this.#answer(LOOK_AGAIN);
    this.#done = true;
    this.#settle(null);
    this.#notify();
  }

  #fail(error: TroveError): void {
    this.#error = error;
    this.window.clear();
    this.#settle(error);
    this.#notify();
    void this.closeIfDone();
  }

  protected closeIfDone(): Promise<void> {
    return this.closeSpool(this.#done || this.#error !== null, this.#error !== null);
  }
}
