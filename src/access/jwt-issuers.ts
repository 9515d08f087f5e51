// Workload identity: JWTs from configured issuers (CI systems, cloud instance identity). Keys
// come from the issuer's JWKS (from OpenID discovery unless given), cached and re-fetched when
// a token names a key not seen yet (rotation), or from a static public key.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import type { AccessConfig } from './config.js';
import type { Identity } from './identity.js';

type IssuerConfig = AccessConfig['jwt'][number];
type KeySource = KeyObject | ReturnType<typeof createRemoteJWKSet>;

const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** A token naming an unknown key refetches the JWKS at most this often (key rotation). */
const JWKS_COOLDOWN_MS = 30_000;

export const looksLikeJwt = (s: string): boolean => s.length < 16384 && JWS_SHAPE.test(s);

/**
 * A claim by name, or by a dotted path into nested claims (GCE's
 * `google.compute_engine.project_id`); a name that itself has dots (`kubernetes.io`) is found
 * whole first.
 */
export function claimAt(claims: unknown, path: string): unknown {
  if (typeof claims !== 'object' || claims === null) return undefined;
  const obj = claims as Record<string, unknown>;
  if (Object.hasOwn(obj, path)) return obj[path];
  for (let dot = path.indexOf('.'); dot > 0; dot = path.indexOf('.', dot + 1)) {
    const head = path.slice(0, dot);
    if (Object.hasOwn(obj, head)) {
      const found = claimAt(obj[head], path.slice(dot + 1));
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** `{claim}` replaced by the claim's value; null when a claim is missing or not a scalar. */
function fill(template: string, claims: JWTPayload): string | null {
  let missing = false;
  const out = template.replace(/\{([^{}]+)\}/g, (_, name: string) => {
    const v = claimAt(claims, name);
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    missing = true;
    return '';
  });
  return missing || out === '' ? null : out;
}

class Issuer {
  readonly cfg: IssuerConfig;
  readonly #cooldownMs: number;
  #keys: Promise<KeySource> | null = null;

  constructor(cfg: IssuerConfig, cooldownMs: number) {
    this.cfg = cfg;
    this.#cooldownMs = cooldownMs;
  }

  async verify(token: string): Promise<Identity | string> {
    const { payload } = await jwtVerify(token, await this.#keySource(), {
      issuer: this.cfg.issuer,
      audience: this.cfg.audience,
      algorithms: this.cfg.algorithms,
      clockTolerance: Math.round(this.cfg.clock_skew / 1000),
      requiredClaims: ['exp'],
    });
    for (const [claim, want] of Object.entries(this.cfg.require)) {
      if (claimAt(payload, claim) !== want) return `claim ${claim} is not "${want}"`;
    }
    const subject = fill(this.cfg.subject, payload);
    if (!subject) return `the subject template ${this.cfg.subject} names a missing claim`;
    const groups = this.cfg.groups.map((g) => fill(g, payload)).filter((g) => g !== null);
    const listed = this.cfg.groups_claim ? claimAt(payload, this.cfg.groups_claim) : undefined;
    if (Array.isArray(listed)) groups.push(...listed.filter((g) => typeof g === 'string'));
    return { subject, groups, via: 'jwt' };
  }

  #keySource(): Promise<KeySource> {
    this.#keys ??= this.#resolve().catch((err: unknown) => {
      this.#keys = null; // try discovery again on the next token
      throw err;
    });
    return this.#keys;
  }

  async #resolve(): Promise<KeySource> {
    if (this.cfg.public_key) return createPublicKey(this.cfg.public_key.pem);
    let jwks = this.cfg.jwks_url;
    if (!jwks) {
      const url = `${this.cfg.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`discovery at ${url} answered ${res.status}`);
      const doc = (await res.json()) as { jwks_uri?: unknown; issuer?: unknown };
      if (typeof doc.jwks_uri !== 'string') throw new Error(`discovery at ${url} has no jwks_uri`);
      jwks = doc.jwks_uri;
    }
    return createRemoteJWKSet(new URL(jwks), {
      timeoutDuration: 5000,
      cooldownDuration: this.#cooldownMs,
      cacheMaxAge: 600_000,
    });
  }
}

export class JwtIssuers {
  readonly #byIssuer = new Map<string, Issuer>();

  constructor(issuers: readonly IssuerConfig[], cooldownMs = JWKS_COOLDOWN_MS) {
    for (const cfg of issuers) this.#byIssuer.set(cfg.issuer, new Issuer(cfg, cooldownMs));
  }

  get size(): number {
    return this.#byIssuer.size;
  }

  /** The token's identity, or why it is refused; null when no configured issuer made it. */
  async verify(token: string): Promise<Identity | { refused: string } | null> {
    let iss: unknown;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      return null;
    }
    const issuer = typeof iss === 'string' ? this.#byIssuer.get(iss) : undefined;
    if (!issuer) return null;
    try {
      const out = await issuer.verify(token);
      return typeof out === 'string' ? { refused: out } : out;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      return { refused: typeof code === 'string' ? code : String(err) };
    }
  }
}
