// Incremental hashing of a fill: sha256 always (the blob identity) plus whatever the
// ecosystem expects to verify against.
import { createHash, type Hash } from 'node:crypto';
import type { DigestAlgorithm, ExpectedDigest } from './types.js';

export class MultiHash {
  readonly #hashes = new Map<DigestAlgorithm, Hash>();

  constructor(expected: readonly ExpectedDigest[] = [], also: readonly DigestAlgorithm[] = []) {
    this.#hashes.set('sha256', createHash('sha256'));
    for (const alg of [...expected.map((e) => e.algorithm), ...also]) {
      if (!this.#hashes.has(alg)) this.#hashes.set(alg, createHash(alg));
    }
  }

  update(chunk: Uint8Array): void {
    for (const h of this.#hashes.values()) h.update(chunk);
  }

  /** Finishes every hash; returns hex digests by algorithm. */
  digest(): Map<DigestAlgorithm, string> {
    const out = new Map<DigestAlgorithm, string>();
    for (const [alg, h] of this.#hashes) out.set(alg, h.digest('hex'));
    return out;
  }
}

/** Returns a description of the first mismatch, or null when all expected digests match. */
export function findMismatch(
  actual: Map<DigestAlgorithm, string>,
  expected: readonly ExpectedDigest[] = [],
): string | null {
  for (const e of expected) {
    const got = actual.get(e.algorithm);
    if (got !== e.hex.toLowerCase())
      return `${e.algorithm} mismatch: expected ${e.hex}, got ${got}`;
  }
  return null;
}
