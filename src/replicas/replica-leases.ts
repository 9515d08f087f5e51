// FillLeases across replicas: a key is claimed on this machine first (one process, or the
// cluster's primary), then in PostgreSQL. The winner fills and renews its lease while the fill
// runs; a fill that cannot renew is aborted before it can commit (another replica may take the
// key over once the lease expires). A replica that loses the claim streams the owner's live
// fill from the owner's internal endpoint.
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { TroveError } from '../errors.js';
import type { Fill } from '../engine/fill.js';
import type { Claim, FillLeases } from '../engine/fill-leases.js';
import type { FillView } from '../engine/fill-view.js';
import { leaseEnded, type Acquired, type LeaseStore } from './lease-store.js';
import { PeerFill } from './peer-fill.js';

export interface ReplicaLeaseOptions {
  /** This machine's leases (one process, or the cluster's). */
  inner: FillLeases;
  store: LeaseStore;
  ttlMs: number;
  /** The shared secret of the internal endpoints. */
  token: string;
  dispatcher: Dispatcher;
  tempPath(): string;
  log: Logger;
}

/** The internal endpoint that streams `key`'s live fill. */
export const fillPath = (key: string): string => `/_trove/fills/${encodeURIComponent(key)}`;

export class ReplicaLeases implements FillLeases {
  readonly #o: ReplicaLeaseOptions;

  constructor(options: ReplicaLeaseOptions) {
    this.#o = options;
  }

  async claim(key: string): Promise<Claim> {
    const local = await this.#o.inner.claim(key);
    if (local.kind === 'join') return local;
    let got: Acquired;
    try {
      got = await this.#o.store.acquire(key);
    } catch (err) {
      // No cluster-wide answer: fill here. Blobs are content-addressed and the index keeps
      // the first copy where it matters, so a second fill elsewhere costs bandwidth only.
      this.#o.log.warn({ key, err: (err as Error).message }, 'fill lease unavailable; filling');
      return { ...local, recheck: true };
    }
    if (got.kind === 'mine') return this.#own(key, local, got.generation);
    local.abandon();
    return { kind: 'join', fill: this.#join(key, got) };
  }

  joinOnly(key: string): Promise<FillView | null> {
    return this.#o.inner.joinOnly?.(key) ?? Promise.resolve(null);
  }

  #own(key: string, local: Extract<Claim, { kind: 'own' }>, generation: number): Claim {
    const { store, ttlMs, log } = this.#o;
    let timer: NodeJS.Timeout | null = null;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      if (timer) clearInterval(timer);
      store.release(key, generation).catch((err: unknown) => {
        log.warn({ key, err: (err as Error).message }, 'fill lease not released; it expires');
      });
    };
    const heartbeat = (fill: Fill): void => {
      let renewed = Date.now();
      const lost = (why: string): void => {
        log.warn({ key, why }, 'fill lease lost; the fill stops before it commits');
        fill.abort(new TroveError('TROVE_ERR_FILL_LOST', `the fill lease was lost (${why})`));
      };
      timer = setInterval(() => {
        store.renew(key, generation).then(
          (ok) => (ok ? (renewed = Date.now()) : lost('taken over')),
          // Short of the expiry, keep trying; past two thirds of it, another may take over.
          () => Date.now() - renewed > (ttlMs * 2) / 3 && lost('cannot renew'),
        );
      }, ttlMs / 3);
      timer.unref();
    };
    return {
      kind: 'own',
      recheck: true,
      publish: (fill) => {
        local.publish(fill);
        heartbeat(fill);
        void fill.settled.then(release);
      },
      abandon: () => {
        local.abandon();
        release();
      },
    };
  }

  #join(key: string, held: Extract<Acquired, { kind: 'held' }>): FillView {
    const { store, token, dispatcher, ttlMs } = this.#o;
    return new PeerFill(key, {
      url: held.addr ? `${held.addr}${fillPath(key)}` : null,
      token,
      dispatcher,
      tempPath: this.#o.tempPath,
      // The owner releases the lease when its fill ends; a dead owner's lease expires.
      settledElsewhere: () => leaseEnded(store, key, held, Math.max(0, held.expiresInMs) + ttlMs),
    });
  }
}
