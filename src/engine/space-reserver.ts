// Room on disk for fills whose length is known before the body: a fill reserves its length
// before its first byte, so a burst of misses larger than the free space commits the ones that
// fit and refuses the others at once with TROVE_ERR_STORAGE_FULL, instead of all of them
// failing half-written. Reservations are taken one at a time against a fresh reading of the
// free space, less what running fills have reserved but not written yet.
import { TroveError } from '../errors.js';

interface Reservation {
  size: number;
  written(): number;
}

/** Kept free beyond every reservation, for the index and its write-ahead log. */
const HEADROOM = 1024 * 1024;

export class SpaceReserver {
  readonly #free: () => Promise<number | null>;
  readonly #active = new Set<Reservation>();
  #queue: Promise<unknown> = Promise.resolve();

  constructor(free: () => Promise<number | null>) {
    this.#free = free;
  }

  /** Bytes reserved and not yet written. */
  get outstanding(): number {
    let n = 0;
    for (const r of this.#active) n += Math.max(0, r.size - r.written());
    return n;
  }

  /** Reserves `size` bytes; returns the release. Rejects with TROVE_ERR_STORAGE_FULL. */
  reserve(size: number, written: () => number): Promise<() => void> {
    const next = this.#queue.then(async () => {
      const free = await this.#free().catch(() => null);
      if (free !== null && free - this.outstanding - HEADROOM < size) {
        throw new TroveError(
          'TROVE_ERR_STORAGE_FULL',
          `no room for ${size} bytes: ${Math.max(0, free - this.outstanding)} free after the fills in progress`,
        );
      }
      const r: Reservation = { size, written };
      this.#active.add(r);
      return () => void this.#active.delete(r);
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }
}
