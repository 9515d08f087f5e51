// Turns a request's Authorization header into an identity. Every secret is tried as what it
// can be: a session token Trove issued, a static token, a JWT from a configured issuer, and
// (in Basic) a user's password, so clients that only speak Basic can still present tokens.
// Verified credentials are trusted for a short while (keyed by a hash, never the secret), so
// bcrypt runs once per client per `cache_for`, not per request.
import { createHash } from 'node:crypto';
import { limiter } from '../util/limiter.js';
import type { Credentials } from './credentials.js';
import { readCredentials } from './credentials.js';
import type { FailureLimiter } from './failure-limiter.js';
import type { Identity } from './identity.js';
import { looksLikeJwt, type JwtIssuers } from './jwt-issuers.js';
import type { PasswordBook } from './passwords.js';
import type { Sessions } from './sessions.js';
import type { StaticTokens } from './static-tokens.js';

export type Authenticated =
  | { kind: 'anonymous' }
  | { kind: 'identity'; identity: Identity }
  | { kind: 'refused'; reason: string; user?: string }
  | { kind: 'limited'; retryAfter: number; reason: string };

export interface AuthenticatorDeps {
  passwords: PasswordBook;
  tokens: StaticTokens;
  jwt: JwtIssuers;
  sessions: Sessions;
  failures: FailureLimiter;
  /** Extra groups by member subject (the config's `groups`). */
  groupsOf: (subject: string) => readonly string[];
  cacheForMs: number;
  now?: () => number;
}

const MAX_CACHED = 10_000;
/** bcrypt checks at once (they share libuv's pool with file reads) and queued at most. */
const BCRYPT_AT_ONCE = 2;
const BCRYPT_QUEUE = 256;

export class Authenticator {
  readonly #d: AuthenticatorDeps;
  readonly #now: () => number;
  readonly #verified = new Map<string, { identity: Identity; until: number }>();
  readonly #bcrypt = limiter(BCRYPT_AT_ONCE);
  readonly #checking = new Map<string, Promise<Authenticated>>();
  #queued = 0;

  constructor(deps: AuthenticatorDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
    deps.passwords.onReload = () => this.#verified.clear();
  }

  async authenticate(header: string | undefined, source: string): Promise<Authenticated> {
    const creds = readCredentials(header);
    if (creds === null) return { kind: 'anonymous' };
    if (creds === 'malformed') return { kind: 'refused', reason: 'malformed Authorization header' };
    const key = cacheKey(creds);
    const now = this.#now();
    const cached = this.#verified.get(key);
    if (cached && cached.until > now) return { kind: 'identity', identity: cached.identity };
    if (cached) this.#verified.delete(key);
    const wait = this.#d.failures.blockedFor(source);
    if (wait > 0) {
      return { kind: 'limited', retryAfter: wait, reason: 'too many failed credential checks' };
    }
    // Concurrent requests with the same credential (a client opening many connections at
    // once) share one check.
    let checking = this.#checking.get(key);
    if (!checking) {
      checking = this.#verify(creds, key, now).finally(() => this.#checking.delete(key));
      this.#checking.set(key, checking);
    }
    const out = await checking;
    if (out.kind === 'refused') this.#d.failures.fail(source);
    return out;
  }

  async #verify(creds: Credentials, key: string, now: number): Promise<Authenticated> {
    const out = await this.#check(creds, now);
    if (out.kind === 'identity') {
      const identity = this.#withGroups(out.identity);
      if (this.#verified.size >= MAX_CACHED) this.#verified.clear();
      this.#verified.set(key, { identity, until: Math.min(out.until, now + this.#d.cacheForMs) });
      return { kind: 'identity', identity };
    }
    return creds.kind === 'basic' && out.kind === 'refused' ? { ...out, user: creds.user } : out;
  }

  async #check(
    creds: Credentials,
    now: number,
  ): Promise<
    | { kind: 'identity'; identity: Identity; until: number }
    | Exclude<Authenticated, { kind: 'identity' | 'anonymous' }>
  > {
    const secret = creds.secret;
    const session = this.#d.sessions.open(secret, now);
    if (session) return { kind: 'identity', ...session };
    const token = this.#d.tokens.find(secret, now);
    if (token === 'expired') return { kind: 'refused', reason: 'the token has expired' };
    if (token) return { kind: 'identity', ...token };
    if (looksLikeJwt(secret) && this.#d.jwt.size) {
      const jwt = await this.#d.jwt.verify(secret);
      if (jwt && 'refused' in jwt)
        return { kind: 'refused', reason: `JWT refused: ${jwt.refused}` };
      if (jwt) return { kind: 'identity', identity: jwt, until: jwtExpiry(secret, now) };
    }
    if (creds.kind !== 'basic') return { kind: 'refused', reason: 'unknown token' };
    if (this.#queued >= BCRYPT_QUEUE) {
      return { kind: 'limited', retryAfter: 1, reason: 'too many password checks at once' };
    }
    this.#queued++;
    const ok = await this.#bcrypt(() => this.#d.passwords.verify(creds.user, secret)).finally(
      () => this.#queued--,
    );
    if (!ok) return { kind: 'refused', reason: 'wrong user name or password' };
    const identity: Identity = { subject: creds.user, groups: [], via: 'password' };
    return { kind: 'identity', identity, until: now + this.#d.cacheForMs };
  }

  #withGroups(identity: Identity): Identity {
    const extra = this.#d.groupsOf(identity.subject);
    if (!extra.length) return identity;
    return { ...identity, groups: [...new Set([...identity.groups, ...extra])] };
  }
}

function cacheKey(c: Credentials): string {
  const who = c.kind === 'basic' ? `basic\0${c.user}` : 'token';
  return createHash('sha256').update(`${who}\0${c.secret}`).digest('hex');
}

/** A verified JWT's `exp` in ms (jose has checked it is there). */
function jwtExpiry(token: string, now: number): number {
  try {
    const payload = JSON.parse(
      Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'),
    ) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : now;
  } catch {
    return now;
  }
}
