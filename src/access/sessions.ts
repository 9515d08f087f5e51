// Tokens Trove issues to identities it has verified (the OCI token realm behind `docker login`):
// sealed, so they open on every worker and replica and cannot be forged or widened.
import { Sealer } from '../util/sealer.js';
import type { Action } from './config.js';
import type { Identity } from './identity.js';

interface Sealed {
  s: string;
  g: readonly string[];
  sc?: readonly Action[];
  x?: string;
  expires: number;
}

export class Sessions {
  readonly #sealer: Sealer<Sealed>;
  readonly #ttlMs: number;

  constructor(key: Buffer, ttlMs: number) {
    this.#sealer = new Sealer<Sealed>(key);
    this.#ttlMs = ttlMs;
  }

  get ttlMs(): number {
    return this.#ttlMs;
  }

  issue(identity: Identity, extra?: string, now = Date.now()): { token: string; expires: number } {
    const expires = now + this.#ttlMs;
    const sealed: Sealed = {
      s: identity.subject,
      g: identity.groups,
      ...(identity.scopes ? { sc: identity.scopes } : {}),
      ...(extra ? { x: extra } : {}),
      expires,
    };
    return { token: this.#sealer.seal(sealed), expires };
  }

  /** The identity a token carries and its expiry (ms), or null. */
  open(token: string, now = Date.now()): { identity: Identity; until: number } | null {
    const s = this.#sealer.open(token, now);
    if (!s || typeof s.s !== 'string' || !Array.isArray(s.g)) return null;
    const identity: Identity = {
      subject: s.s,
      groups: s.g,
      via: 'session',
      ...(s.sc ? { scopes: s.sc } : {}),
      ...(typeof s.x === 'string' ? { extra: s.x } : {}),
    };
    return { identity, until: s.expires };
  }
}
