// Static tokens from config, kept only as sha256 hashes: a leaked config file leaks no token.
import { createHash, randomBytes } from 'node:crypto';
import type { AccessConfig } from './config.js';
import type { Identity } from './identity.js';

type TokenConfig = AccessConfig['tokens'][number];

export const tokenHash = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/** A new random token (256 bits), prefixed so secret scanners can spot a leaked one. */
export const newToken = (): string => `trove_${randomBytes(32).toString('base64url')}`;

export class StaticTokens {
  readonly #byHash = new Map<string, TokenConfig>();

  constructor(tokens: readonly TokenConfig[]) {
    for (const t of tokens) this.#byHash.set(t.sha256, t);
  }

  get size(): number {
    return this.#byHash.size;
  }

  /** The token's identity and expiry (ms); null when unknown, 'expired' when past it. */
  find(secret: string, now = Date.now()): { identity: Identity; until: number } | 'expired' | null {
    // The lookup is by a hash of the secret, so its timing says nothing about any token.
    const t = this.#byHash.get(tokenHash(secret));
    if (!t) return null;
    const until = t.expires?.getTime() ?? Infinity;
    if (until <= now) return 'expired';
    return {
      identity: { subject: t.name, groups: t.groups, via: 'token', scopes: t.scopes },
      until,
    };
  }
}
