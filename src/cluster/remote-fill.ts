// A fill another worker runs, seen from this one: its outcome and progress arrive as snapshots
// through the primary, and the body is read from the owner's spool file by name. One pump reads
// the file ahead in large pieces into a window that every client of this worker streams from,
// as the owner's clients stream from its window; a client that falls behind reads the file
// itself. Opening the file fails once the owner has committed it (renamed into the store):
// then the index has it.
import { open } from 'node:fs/promises';
import type { TroveError } from '../errors.js';
import type { FillOutcome } from '../engine/fill.js';
import { FillView, LOOK_AGAIN } from '../engine/fill-view.js';
import { fromWire, outcomeFromWire, snapshot, type FillSnapshot } from './messages.js';

const START = snapshot();

/** Bytes kept in memory behind the pump, and the size of one pump read. */
const WINDOW_BYTES = 4 * 1024 * 1024;
const PUMP_READ = 1024 * 1024;

export class RemoteFill extends FillView {
  readonly outcome: Promise<FillOutcome>;
  readonly settled: Promise<TroveError | null>;
  #snap = START;
  #opening = false;
  #answered = false;
  #wake: Array<() => void> = [];
  /** Bytes read into the window so far. */
  #pumped = 0;
  #pumping = false;
  #answer!: (o: FillOutcome) => void;
  #settle!: (e: TroveError | null) => void;

  constructor(key: string) {
    super(key, WINDOW_BYTES);
    this.outcome = new Promise((resolve) => (this.#answer = resolve));
    this.settled = new Promise((resolve) => (this.#settle = resolve));
  }

  get received(): number {
    return this.#snap.received;
  }
  get readable(): number {
    return Math.min(this.#snap.avail, this.#pumped);
  }
  get done(): boolean {
    return this.#snap.done;
  }
  get error(): TroveError | null {
    return this.#snap.error ? fromWire(this.#snap.error) : null;
  }
  get uncommitted(): TroveError | null {
    return this.#snap.uncommitted ? fromWire(this.#snap.uncommitted) : null;
  }

  /** The owner's latest news. */
  update(snap: FillSnapshot): void {
    this.#snap = snap;
    if (!this.#answered) this.#maybeAnswer(snap);
    if (snap.settled) this.#settle(this.error);
    this.#notify();
    void this.#pump();
    void this.closeIfDone();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const w of wake) w();
  }

  /** Reads what the owner has on disk into the window, one piece at a time, while read. */
  async #pump(): Promise<void> {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const fh = this.handle;
        const want = Math.min(PUMP_READ, this.#snap.avail - this.#pumped);
        if (!fh || want <= 0 || this.#snap.error) return;
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, this.#pumped);
        if (bytesRead === 0) return;
        this.window.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
        this.#pumped += bytesRead;
        this.window.trim(this.#pumped);
        this.#notify();
      }
    } catch {
      // The file is gone (the fill failed, or this side closed it): the owner's news decides.
    } finally {
      this.#pumping = false;
    }
  }

  #maybeAnswer(snap: FillSnapshot): void {
    const o = snap.outcome;
    if (!o) {
      if (!snap.settled) return;
      // Lost before an answer, or given back because another worker committed it.
      this.#answered = true;
      this.#answer(snap.error ? { kind: 'error', error: fromWire(snap.error) } : LOOK_AGAIN);
      return;
    }
    if (o.kind !== 'body' || !snap.spool) {
      this.#answered = true;
      this.#answer(outcomeFromWire(o));
      return;
    }
    if (this.#opening) return;
    this.#opening = true;
    const answer = (): void => {
      this.#answered = true;
      this.#answer(outcomeFromWire(o));
    };
    open(snap.spool, 'r').then(
      (fh) => {
        this.handle = fh;
        answer();
        void this.#pump();
      },
      // Already committed or failed: answer once the owner says which, so `done` is known.
      () => void this.settled.then(answer),
    );
  }

  progress(): Promise<void> {
    if (this.#snap.error) return Promise.resolve();
    // Settled, with every byte read in (or nothing to read it from): nothing more will come.
    if (this.#snap.settled && (this.#pumped >= this.#snap.avail || !this.handle)) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#wake.push(resolve));
  }

  protected async closeIfDone(): Promise<void> {
    if (!this.handle || !this.#snap.settled || this.readers > 0) return;
    if (!this.retired && !this.#snap.error) return;
    const fh = this.handle;
    this.handle = null;
    this.window.clear();
    this.#notify();
    await fh.close().catch(() => undefined);
  }
}
