// Upstream registry authentication (distribution's token auth spec): on a 401 with
// `WWW-Authenticate: Bearer realm=…,service=…,scope=…`, ask the realm for a token (with the
// registry's credentials, when configured) and retry; on `Basic`, retry with the credentials.
// Tokens are cached by realm, service, scope and credential until `expires_in`.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FetchInit, Origin, UpstreamResponse } from '../../upstream/upstream-pool.js';
import { upstreamChosen } from '../../upstream/upstream-url.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses WWW-Authenticate (RFC 7235): schemes with comma-separated, maybe quoted params. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  // A new challenge starts where a token is followed by a space and not by "=".
  const re =
    /\s*(?:([A-Za-z][\w!#$%&'*+.^`|~-]*)(?=\s|$)(?!\s*=)|([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*)))\s*,?/g;
  for (const m of header.matchAll(re)) {
    if (m[1] !== undefined) out.push({ scheme: m[1].toLowerCase(), params: {} });
    else if (m[2] !== undefined && out.length > 0) {
      const value = m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : (m[4] ?? '');
      (out[out.length - 1] as Challenge).params[m[2].toLowerCase()] = value;
    }
  }
  return out;
}

export type Credential = { basic: string } | { bearer: string } | undefined;

interface Cached {
  token: string;
  until: number;
}

async function readJson(body: Readable): Promise<Record<string, unknown>> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(c as Buffer);
  return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
}

/** What every credential's view of one registry shares: its tokens and last Bearer challenge. */
interface Shared {
  tokens: Map<string, Cached>;
  /** The last Bearer challenge seen, so later requests send a token without a 401 first. */
  challenge: Challenge | null;
}

/** Tokens kept per registry before expired ones are swept. */
const MAX_TOKENS = 4096;

export class RegistryAuth implements Origin {
  readonly #registry: Origin;
  readonly #realm: (url: string) => Origin;
  readonly #cred: Credential;
  readonly #credKey: string;
  readonly #shared: Shared;

  constructor(
    registry: Origin,
    realm: (url: string) => Origin,
    cred: Credential,
    shared: Shared = { tokens: new Map(), challenge: null },
  ) {
    this.#registry = registry;
    this.#realm = realm;
    this.#cred = cred;
    this.#shared = shared;
    this.#credKey = cred
      ? createHash('sha256').update(JSON.stringify(cred)).digest('base64url').slice(0, 22)
      : '';
  }

  /** The same registry seen with another credential (a client's, in passthrough mode). */
  as(cred: Credential): RegistryAuth {
    return new RegistryAuth(this.#registry, this.#realm, cred, this.#shared);
  }

  async fetch(path: string, init: FetchInit = {}): Promise<UpstreamResponse> {
    const scope = scopeOf(path);
    const seen = this.#shared.challenge;
    const known = seen ? this.#cached(seen, scope) : undefined;
    const first = await this.#registry.fetch(
      path,
      withAuth(init, known ? `Bearer ${known}` : this.#basic()),
    );
    if (first.status !== 401) return first;
    const challenges = parseChallenges(first.headers['www-authenticate'] ?? '');
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params['realm']);
    if (bearer) {
      first.body.resume();
      this.#shared.challenge = bearer;
      const token = await this.#token(bearer, scope, first.url);
      // The realm refused these credentials: that is the registry's 401, for the caller to judge.
      if (token === null) return { ...first, body: Readable.from([]) };
      return this.#registry.fetch(path, withAuth(init, `Bearer ${token}`));
    }
    if (
      challenges.some((c) => c.scheme === 'basic') &&
      this.#basic() &&
      !init.headers?.['authorization']
    ) {
      first.body.resume();
      return this.#registry.fetch(path, withAuth(init, this.#basic()));
    }
    return first;
  }

  #basic(): string | undefined {
    const c = this.#cred;
    return c && 'basic' in c
      ? `Basic ${c.basic}`
      : c && 'bearer' in c
        ? `Bearer ${c.bearer}`
        : undefined;
  }

  #key(c: Challenge, scope: string | undefined): string {
    return [
      c.params['realm'],
      c.params['service'] ?? '',
      c.params['scope'] ?? scope ?? '',
      this.#credKey,
    ].join(' ');
  }

  #cached(c: Challenge, scope: string | undefined): string | undefined {
    const hit = this.#shared.tokens.get(this.#key(c, scope));
    return hit && hit.until > Date.now() ? hit.token : undefined;
  }

  async #token(c: Challenge, scope: string | undefined, from: string): Promise<string | null> {
    const cached = this.#cached(c, scope);
    if (cached) return cached;
    // The registry names its realm: http(s) only, no credentials in it, no https -> http.
    const url = upstreamChosen(
      c.params['realm'] as string,
      URL.canParse(from) ? new URL(from) : undefined,
      'token realm',
    );
    if (c.params['service']) url.searchParams.set('service', c.params['service']);
    // Every scope the registry asked for, plus the one this request needs.
    const scopes = new Set([...(c.params['scope']?.split(' ') ?? []), ...(scope ? [scope] : [])]);
    for (const s of scopes) url.searchParams.append('scope', s);
    const auth = this.#cred && 'basic' in this.#cred ? `Basic ${this.#cred.basic}` : undefined;
    const res = await this.#realm(url.origin).fetch(`${url.pathname.slice(1)}${url.search}`, {
      headers: auth ? { authorization: auth } : {},
    });
    if (res.status !== 200) {
      res.body.resume();
      if (res.status === 401 || res.status === 403) return null;
      throw new Error(`token endpoint ${url.origin} answered ${res.status}`);
    }
    const body = await readJson(res.body);
    const token = (body['token'] ?? body['access_token']) as string | undefined;
    if (!token) throw new Error(`token endpoint ${url.origin} sent no token`);
    const ttl = typeof body['expires_in'] === 'number' ? body['expires_in'] : 60;
    const tokens = this.#shared.tokens;
    if (tokens.size >= MAX_TOKENS) {
      for (const [k, v] of tokens) if (v.until <= Date.now()) tokens.delete(k);
      if (tokens.size >= MAX_TOKENS) tokens.clear();
    }
    // Renew a little early; never cache past the stated lifetime.
    tokens.set(this.#key(c, scope), { token, until: Date.now() + Math.max(0, ttl - 10) * 1000 });
    return token;
  }
}

function withAuth(init: FetchInit, authorization: string | undefined): FetchInit {
  if (!authorization) return init;
  return { ...init, headers: { ...init.headers, authorization } };
}

/** "repository:<name>:pull" for a /v2/<name>/… path. */
export function scopeOf(path: string): string | undefined {
  const m = /^v2\/(.+?)\/(?:manifests|blobs|tags|referrers)\//.exec(path.split('?')[0] ?? '');
  return m ? `repository:${decodeURIComponent(m[1] as string)}:pull` : undefined;
}
