// One instance's access decision for a request: who it is (401 with the protocol's challenge
// when nobody or a wrong credential), whether that subject may read the name (403), and
// whether it may cause upstream fetches or gets cached content only. Every refusal and every
// token issued is one JSON audit line, with no credential in it.
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { TroveError } from '../errors.js';
import type { Authenticator } from './authenticator.js';
import type { Action } from './config.js';
import type { Identity } from './identity.js';
import type { AccessTarget, Rules } from './rules.js';
import type { Sessions } from './sessions.js';

export interface GateDeps {
  instance: string;
  rules: Rules;
  authenticator: Authenticator;
  sessions: Sessions;
  audit: Logger;
  metrics?: Pick<Metrics, 'accessRefusals' | 'accessTokensIssued'> | undefined;
}

type Refusal = 'unauthenticated' | 'forbidden' | 'fetch_denied' | 'limited';

export type GateResult =
  | { ok: true; identity: Identity | null; fetch: boolean }
  | { ok: false; error: TroveError; challenge: boolean; retryAfter?: number };

export interface GateRequest {
  authorization: string | undefined;
  /** The client's address (after trusted proxies), for failure limits and the audit log. */
  client: string;
  target: AccessTarget;
}

export class InstanceGate {
  readonly #d: GateDeps;
  /** Whether anonymous clients may read nothing here (cargo's `auth-required`). */
  readonly anonymousDenied: boolean;

  constructor(deps: GateDeps) {
    this.#d = deps;
    this.anonymousDenied = !deps.rules.decide(null, { instance: true }, 'read').allowed;
  }

  async check(req: GateRequest): Promise<GateResult> {
    const auth = await this.#d.authenticator.authenticate(req.authorization, req.client);
    const name = 'name' in req.target ? req.target.name : 'listing' in req.target ? '*' : '';
    if (auth.kind === 'limited') {
      this.#deny('limited', req.client, null, name, 'read', auth.reason);
      const error = new TroveError('TROVE_ERR_AUTH_LIMITED', `${auth.reason}; retry later`);
      return { ok: false, error, challenge: false, retryAfter: auth.retryAfter };
    }
    if (auth.kind === 'refused') {
      this.#deny('unauthenticated', req.client, auth.user ?? null, name, 'read', auth.reason);
      const error = new TroveError(
        'TROVE_ERR_UNAUTHORIZED',
        `authentication failed: ${auth.reason}`,
      );
      return { ok: false, error, challenge: true };
    }
    const identity = auth.kind === 'identity' ? auth.identity : null;
    const read = this.#d.rules.decide(identity, req.target, 'read');
    if (!read.allowed) {
      this.#deny(
        identity ? 'forbidden' : 'unauthenticated',
        req.client,
        identity?.subject ?? null,
        name,
        'read',
        read.reason,
      );
      if (!identity) {
        const error = new TroveError('TROVE_ERR_UNAUTHORIZED', 'authentication required');
        return { ok: false, error, challenge: true };
      }
      const what = name ? ` ${name}` : ' this';
      const error = new TroveError(
        'TROVE_ERR_FORBIDDEN',
        `${identity.subject} may not read${what}`,
      );
      return { ok: false, error, challenge: false };
    }
    const fetch = this.#d.rules.decide(identity, req.target, 'fetch').allowed;
    return { ok: true, identity, fetch };
  }

  /** A token for a verified identity (the registry token realm); audited. */
  issue(identity: Identity, client: string, extra?: string): { token: string; expiresIn: number } {
    const { token, expires } = this.#d.sessions.issue(identity, extra);
    this.#d.audit.info(
      {
        event: 'token_issued',
        subject: identity.subject,
        via: identity.via,
        instance: this.#d.instance,
        client,
        expires: new Date(expires).toISOString(),
      },
      'access token issued',
    );
    this.#d.metrics?.accessTokensIssued.inc({ instance: this.#d.instance });
    return { token, expiresIn: Math.round(this.#d.sessions.ttlMs / 1000) };
  }

  /** Audits a fetch a cached-only subject could not make. */
  deniedFetch(identity: Identity | null, client: string, name: string): void {
    this.#deny(
      'fetch_denied',
      client,
      identity?.subject ?? null,
      name,
      'fetch',
      'not cached, and may not fetch',
    );
  }

  #deny(
    refusal: Refusal,
    client: string,
    subject: string | null,
    name: string,
    action: Action,
    reason: string,
  ): void {
    this.#d.audit.warn(
      {
        event: 'denied',
        subject: subject ?? 'anonymous',
        instance: this.#d.instance,
        name,
        action,
        reason,
        client,
      },
      'access denied',
    );
    this.#d.metrics?.accessRefusals.inc({ instance: this.#d.instance, reason: refusal });
  }
}
