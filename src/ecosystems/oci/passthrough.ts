// Passthrough mode, the seed proxies' behaviour made safe for a shared cache. Clients log in to
// Trove's own realm (`/v2/auth`) with their registry credentials; Trove hands back a sealed token
// that carries them, and forwards them to the registry (which does its own token dance, with
// `library/` already added to the scope). Before anything of a passthrough registry is served,
// cached or not, the registry must accept this client's credential for that repository.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Decision, SyntheticResponse } from '../ecosystem.js';
import type { AccessGate } from '../common/access-gate.js';
import type { ClientTokens } from './client-tokens.js';
import type { Registry } from './registries.js';
import { jsonError } from './responses.js';
import type { Route } from './routing.js';
import type { Credential } from './token-auth.js';

export const SERVICE = 'trove';
/** How long a token from Trove's realm lasts. */
const TOKEN_TTL_S = 300;

export interface PassthroughDeps {
  registries: ReadonlyMap<string, Registry>;
  tokens: ClientTokens;
  gate: AccessGate;
}

/** Where a client's request goes, and how to ask the registry whether this client may see it. */
export interface Target {
  registry: string;
  repo: string;
  /** The repository name as the client wrote it (for the challenge's scope). */
  name: string;
  probe: { path: string; method: 'GET' | 'HEAD'; accept?: string };
  /** The registry error code for a 404 (BLOB_UNKNOWN, MANIFEST_UNKNOWN, NAME_UNKNOWN). */
  unknown: string;
}

export class Passthrough {
  readonly #d: PassthroughDeps;
  readonly enabled: boolean;

  constructor(deps: PassthroughDeps) {
    this.#d = deps;
    this.enabled = [...deps.registries.values()].some((r) => r.passthrough);
  }

  /** A WWW-Authenticate value pointing clients at Trove's realm. */
  challenge(apiBase: string, name?: string): string {
    const scope = name ? `,scope="repository:${name}:pull"` : '';
    return `Bearer realm="${apiBase}/auth",service="${SERVICE}"${scope}`;
  }

  unauthorized(apiBase: string, message: string, name?: string): SyntheticResponse {
    return jsonError(401, 'UNAUTHORIZED', message, null, {
      'www-authenticate': this.challenge(apiBase, name),
    });
  }

  /** The version check: with passthrough registries, clients must hold a token from our realm. */
  ping(grant: string | null, apiBase: string): SyntheticResponse | null {
    if (!this.enabled || this.#grant(grant)) return null;
    return this.unauthorized(apiBase, 'authentication required');
  }

  /**
   * GET /v2/auth?service=trove&scope=repository:<name>:pull: seals the client's Basic
   * credentials (or none) for the registries its scopes route to. A login (no repository
   * scope) is checked against `loginRegistry` at once, so a wrong password fails there.
   */
  async token(
    headers: IncomingHttpHeaders,
    query: string,
    routeName: (name: string[]) => Route,
    loginRegistry: string,
    issue?: (grant: string) => { token: string; expiresIn: number } | null,
  ): Promise<SyntheticResponse> {
    const auth = headers['authorization'] ?? '';
    const authorization = /^Basic \S+$/i.test(auth) ? auth : '';
    const names = new URLSearchParams(query)
      .getAll('scope')
      .flatMap((s) => s.split(' '))
      .map((s) => /^repository:(.+):[a-z*,]+$/.exec(s)?.[1])
      .filter((n): n is string => n !== undefined);
    const targets = new Set<string>();
    for (const n of names) {
      const r = routeName(n.split('/'));
      if (r.ok && this.#d.registries.get(r.registry)?.passthrough) targets.add(r.registry);
    }
    const login = this.#d.registries.get(loginRegistry);
    if (names.length === 0 && authorization && login?.passthrough) {
      const status = await probeStatus(login.as(toCredential(authorization)).origin, {
        path: 'v2/',
        method: 'GET',
      }).catch(() => 0);
      if (status === 401 || status === 403) {
        return jsonError(401, 'UNAUTHORIZED', `${loginRegistry} did not accept these credentials`);
      }
      if (status < 200 || status >= 300) {
        return jsonError(503, 'UNAVAILABLE', `${loginRegistry} could not check the credentials`);
      }
      targets.add(loginRegistry);
    }
    const grant = this.#d.tokens.seal({
      authorization,
      registries: [...targets],
      expires: Date.now() + TOKEN_TTL_S * 1000,
    });
    if (!issue) return tokenResponse({ token: grant, expiresIn: TOKEN_TTL_S });
    // With Trove's own access control, the grant rides inside Trove's token for this client.
    const own = issue(grant);
    return own ? tokenResponse(own) : jsonError(401, 'UNAUTHORIZED', 'authentication required');
  }

  /**
   * Lets a request for a passthrough registry through (with the origin that carries the
   * client's credential), or answers it: 401 with our challenge, 404, or 503.
   */
  async admit(
    grantToken: string | null,
    t: Target,
    apiBase: string,
  ): Promise<{ ok: true; origin: Registry['origin'] } | { ok: false; answer: Decision }> {
    const reg = this.#d.registries.get(t.registry) as Registry;
    const grant = this.#grant(grantToken);
    const authorization = grant?.registries.includes(t.registry) ? grant.authorization : '';
    const seen = reg.as(toCredential(authorization));
    const who = authorization
      ? createHash('sha256').update(authorization).digest('base64url').slice(0, 22)
      : '';
    const access = await this.#d.gate.check(`${t.registry}/${t.repo}\0${who}`, () =>
      probeStatus(seen.auth, t.probe),
    );
    if (access.ok) return { ok: true, origin: seen.origin };
    const response =
      access.status === 401
        ? this.unauthorized(apiBase, access.reason, t.name)
        : jsonError(
            access.status,
            access.status === 404 ? t.unknown : 'UNAVAILABLE',
            access.reason,
          );
    return { ok: false, answer: { kind: 'response', response } };
  }

  #grant(token: string | null) {
    return token ? this.#d.tokens.open(token) : null;
  }
}

function toCredential(authorization: string): Credential {
  const m = /^Basic (\S+)$/i.exec(authorization);
  return m ? { basic: m[1] as string } : undefined;
}

async function probeStatus(origin: Registry['origin'], probe: Target['probe']): Promise<number> {
  // A redirect (a blob on a CDN) already says the registry let this client in.
  const res = await origin.fetch(probe.path, {
    method: probe.method,
    headers: probe.accept ? { accept: probe.accept } : {},
    redirect: 'manual',
  });
  res.body.resume();
  return res.status;
}

/** A token endpoint's answer (distribution's token spec: `token` and `access_token`). */
export function tokenResponse(t: { token: string; expiresIn: number }): SyntheticResponse {
  const body = JSON.stringify({
    token: t.token,
    access_token: t.token,
    expires_in: t.expiresIn,
    issued_at: new Date().toISOString(),
  });
  return { status: 200, headers: { 'content-type': 'application/json' }, body };
}
