// The primary's table of fills in flight across workers: one owner per key, and the workers
// that joined it. The owner's snapshots are relayed to its watchers; a worker that dies frees
// its leases at once, and its watchers hear that the fill was lost.
import { snapshot, toWire, type FillSnapshot, type ToWorker } from './messages.js';
import { TroveError } from '../errors.js';

interface Lease {
  owner: number;
  watchers: Set<number>;
  last: FillSnapshot | null;
}

export type Send = (worker: number, message: ToWorker) => void;

const LOST = snapshot({
  error: toWire(
    new TroveError('TROVE_ERR_FILL_LOST', 'the worker filling this object stopped mid-fill'),
  ),
  settled: true,
});

export class LeaseTable {
  readonly #leases = new Map<string, Lease>();
  readonly #send: Send;

  constructor(send: Send) {
    this.#send = send;
  }

  get size(): number {
    return this.#leases.size;
  }

  /**
   * Answers claim `id`: `worker` now owns the fill of `key`, or it watches the owner's (and
   * hears the owner's last news right after the answer).
   */
  claim(worker: number, id: number, key: string): void {
    const lease = this.#leases.get(key);
    if (!lease || lease.owner === worker) {
      this.#leases.set(key, { owner: worker, watchers: new Set(), last: null });
      this.#send(worker, { trove: 1, t: 'claimed', id, own: true });
      return;
    }
    this.#send(worker, { trove: 1, t: 'claimed', id, own: false });
    const first = lease.watchers.size === 0;
    lease.watchers.add(worker);
    if (lease.last) this.#send(worker, { trove: 1, t: 'state', key, snap: lease.last });
    else if (first) this.#send(lease.owner, { trove: 1, t: 'watch', key });
  }

  /** The owner's news; the last snapshot ends the lease. */
  state(worker: number, key: string, snap: FillSnapshot): void {
    const lease = this.#leases.get(key);
    if (!lease || lease.owner !== worker) return;
    lease.last = snap;
    for (const w of lease.watchers) this.#send(w, { trove: 1, t: 'state', key, snap });
    if (snap.settled) this.#leases.delete(key);
  }

  /** A worker is gone: its fills are lost to their watchers. Returns their spool files. */
  exited(worker: number): string[] {
    const spools: string[] = [];
    for (const [key, lease] of this.#leases) {
      lease.watchers.delete(worker);
      if (lease.owner !== worker) continue;
      this.#leases.delete(key);
      const spool = lease.last?.spool ?? null;
      if (spool) spools.push(spool);
      const snap: FillSnapshot = { ...LOST, spool };
      for (const w of lease.watchers) this.#send(w, { trove: 1, t: 'state', key, snap });
    }
    return spools;
  }
}
