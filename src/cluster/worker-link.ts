// A worker's channel to the primary: requests with ids (claims, metrics), news both ways.
// If the primary goes away, pending claims resolve as this worker's own, so no request hangs.
import { isTroveMessage, type ToPrimary, type ToWorker } from './messages.js';

type Pending =
  | { kind: 'claim'; done: (own: boolean) => void }
  | {
      kind: 'metrics';
      done: (m: { text: string | null; contentType: string }) => void;
    };

export class WorkerLink {
  readonly #pending = new Map<number, Pending>();
  readonly #listeners: Array<(m: ToWorker) => void> = [];
  #next = 1;

  constructor() {
    process.on('message', (m: unknown) => {
      if (isTroveMessage<ToWorker>(m)) this.#receive(m);
    });
    process.on('disconnect', () => this.#orphaned());
  }

  on(listener: (m: ToWorker) => void): void {
    this.#listeners.push(listener);
  }

  send(m: ToPrimary): void {
    // A primary that just died: 'disconnect' follows, and the worker stops.
    if (process.connected) process.send?.(m, undefined, undefined, () => undefined);
  }

  /**
   * True when this worker owns the fill. `answered` runs in the turn the answer arrives, before
   * any later message is handled.
   */
  claim(key: string, answered: (own: boolean) => void): Promise<boolean> {
    if (!process.connected) {
      answered(true);
      return Promise.resolve(true);
    }
    const id = this.#next++;
    return new Promise((resolve) => {
      const done = (own: boolean): void => {
        answered(own);
        resolve(own);
      };
      this.#pending.set(id, { kind: 'claim', done });
      this.send({ trove: 1, t: 'claim', id, key });
    });
  }

  /** Every worker's metrics, merged by the primary (null when it could not gather them). */
  metrics(): Promise<{ text: string | null; contentType: string }> {
    if (!process.connected) return Promise.resolve({ text: null, contentType: '' });
    const id = this.#next++;
    return new Promise((done) => {
      this.#pending.set(id, { kind: 'metrics', done });
      this.send({ trove: 1, t: 'metrics', id });
    });
  }

  #receive(m: ToWorker): void {
    if (m.t === 'claimed' || m.t === 'metrics') {
      const p = this.#pending.get(m.id);
      this.#pending.delete(m.id);
      if (p?.kind === 'claim' && m.t === 'claimed') p.done(m.own);
      else if (p?.kind === 'metrics' && m.t === 'metrics') p.done(m);
      return;
    }
    for (const l of this.#listeners) l(m);
  }

  #orphaned(): void {
    for (const p of this.#pending.values()) {
      if (p.kind === 'claim') p.done(true);
      else p.done({ text: null, contentType: '' });
    }
    this.#pending.clear();
  }
}
