// FillLeases for a cluster worker: claims go to the primary. A fill this worker owns publishes
// snapshots once another worker has joined it (and always its last one, which ends the lease);
// a fill another worker owns is joined as a RemoteFill.
import type { Fill, FillOutcome } from '../engine/fill.js';
import type { Claim, FillLeases } from '../engine/fill-leases.js';
import type { FillView } from '../engine/fill-view.js';
import { outcomeToWire, snapshot, toWire, type FillSnapshot, type ToWorker } from './messages.js';
import { RemoteFill } from './remote-fill.js';
import type { WorkerLink } from './worker-link.js';

interface Owned {
  fill: Fill | null;
  watched: boolean;
  scheduled: boolean;
  answered: FillOutcome | null;
}

const GIVEN_BACK = snapshot({ settled: true });

export class ClusterLeases implements FillLeases {
  readonly #link: WorkerLink;
  readonly #owned = new Map<string, Owned>();
  readonly #joined = new Map<string, RemoteFill>();

  constructor(link: WorkerLink) {
    this.#link = link;
    link.on((m) => this.#receive(m));
  }

  async claim(key: string): Promise<Claim> {
    const joined = this.#joined.get(key);
    if (joined) return { kind: 'join', fill: joined };
    // The answer is taken in the turn it arrives: the owner's news for a join, or a request to
    // publish (another worker joined at once), may come right behind it.
    let owned: Owned | undefined;
    const own = await this.#link.claim(key, (mine) => {
      if (!mine) return void this.#join(key);
      owned = { fill: null, watched: false, scheduled: false, answered: null };
      this.#owned.set(key, owned);
    });
    if (!own || !owned) return { kind: 'join', fill: this.#join(key) };
    const held = owned;
    return {
      kind: 'own',
      recheck: true,
      publish: (fill) => this.#publish(key, held, fill),
      abandon: () => {
        this.#owned.delete(key);
        this.#link.send({ trove: 1, t: 'state', key, snap: GIVEN_BACK });
      },
    };
  }

  /** Joins the fill another worker runs; claims and gives back at once when none does. */
  async joinOnly(key: string): Promise<FillView | null> {
    const claim = await this.claim(key);
    if (claim.kind === 'join') return claim.fill;
    claim.abandon();
    return null;
  }

  /**
   * Runs `job` as the holder of `key`'s lease, or waits for the worker that holds it to finish
   * (false). The lease ends when the job does, or when its worker dies.
   */
  async exclusive(key: string, job: () => Promise<void>): Promise<boolean> {
    const claim = await this.claim(key);
    if (claim.kind === 'join') {
      await claim.fill.settled;
      return false;
    }
    try {
      await job();
    } finally {
      claim.abandon();
    }
    return true;
  }

  #join(key: string): RemoteFill {
    let fill = this.#joined.get(key);
    if (!fill) {
      const joined = new RemoteFill(key);
      this.#joined.set(key, joined);
      void joined.settled.then(() => this.#joined.delete(key));
      fill = joined;
    }
    return fill;
  }

  #publish(key: string, owned: Owned, fill: Fill): void {
    owned.fill = fill;
    void fill.outcome.then((o) => {
      owned.answered = o;
      this.#schedule(key, owned);
    });
    fill.onChange = () => this.#schedule(key, owned);
    void Promise.all([fill.outcome, fill.settled]).then(([o]) => {
      owned.answered = o;
      fill.onChange = null;
      this.#owned.delete(key);
      this.#link.send({ trove: 1, t: 'state', key, snap: this.#snapshot(owned, true) });
    });
    if (owned.watched) this.#schedule(key, owned);
  }

  /**
   * Snapshots are sent only when watched, and coalesced to one per millisecond or so: a reader
   * elsewhere gains nothing from news of every 64 KiB, and the primary relays each one.
   */
  #schedule(key: string, owned: Owned): void {
    if (!owned.watched || owned.scheduled || !owned.fill) return;
    owned.scheduled = true;
    setTimeout(() => {
      owned.scheduled = false;
      if (this.#owned.get(key) !== owned) return;
      this.#link.send({ trove: 1, t: 'state', key, snap: this.#snapshot(owned, false) });
    }, 1);
  }

  #snapshot(owned: Owned, settled: boolean): FillSnapshot {
    const fill = owned.fill as Fill;
    const o = owned.answered;
    const error = fill.error;
    const uncommitted = fill.uncommitted;
    return {
      spool: fill.spoolPath,
      outcome: o ? outcomeToWire(o) : null,
      received: fill.received,
      avail: fill.done ? fill.received : Math.min(fill.written, fill.readable),
      done: fill.done,
      error: error ? toWire(error) : null,
      uncommitted: uncommitted ? toWire(uncommitted) : null,
      settled,
    };
  }

  #receive(m: ToWorker): void {
    if (m.t === 'watch') {
      const owned = this.#owned.get(m.key);
      if (!owned) return;
      owned.watched = true;
      this.#schedule(m.key, owned);
    } else if (m.t === 'state') {
      this.#joined.get(m.key)?.update(m.snap);
    }
  }
}
