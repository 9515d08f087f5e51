// Which blobs a hit must hash. `always`: every whole-body hit. `changed` (the default): the
// first hit of a blob in this process, then again whenever its stored identity changes (inode,
// size, modification or change time: anything written to the file through the filesystem,
// a swap, a truncation, a restore) or a day has passed; silent decay of untouched bytes is left
// to the scrub. `off`: never (the size is still checked before every answer).
export type VerifyHits = 'always' | 'changed' | 'off';

const REVERIFY_MS = 24 * 3_600_000;
const MAX_ENTRIES = 100_000;

export class VerifiedBlobs {
  readonly #mode: VerifyHits;
  readonly #seen = new Map<string, { identity: string; at: number }>();
  readonly #now: () => number;

  constructor(mode: VerifyHits, now: () => number = Date.now) {
    this.#mode = mode;
    this.#now = now;
  }

  /** Whether a whole-body hit of this blob, as stored now, must be hashed. */
  needsHash(digest: string, identity: string | undefined): boolean {
    if (this.#mode === 'off') return false;
    if (this.#mode === 'always' || identity === undefined) return true;
    const seen = this.#seen.get(digest);
    return !seen || seen.identity !== identity || this.#now() - seen.at > REVERIFY_MS;
  }

  /** Records a blob whose bytes were just hashed and matched. */
  verified(digest: string, identity: string | undefined): void {
    if (this.#mode !== 'changed' || identity === undefined) return;
    this.#seen.delete(digest);
    if (this.#seen.size >= MAX_ENTRIES) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.set(digest, { identity, at: this.#now() });
  }

  forget(digest: string): void {
    this.#seen.delete(digest);
  }
}
