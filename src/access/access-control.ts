// Client authentication and access rules for the whole server: built once from the `access`
// section, then one gate per instance. Absent that section, Trove is open as before.
import type { Logger } from 'pino';
import type { AccessConfig, InstanceAccess } from './config.js';
import { Authenticator } from './authenticator.js';
import { FailureLimiter } from './failure-limiter.js';
import { InstanceGate, type GateDeps } from './instance-gate.js';
import { JwtIssuers } from './jwt-issuers.js';
import { PasswordBook } from './passwords.js';
import { globMatcher, Rules, type NameMatcher } from './rules.js';
import { Sessions } from './sessions.js';
import { StaticTokens } from './static-tokens.js';

export class AccessControl {
  readonly authenticator: Authenticator;
  readonly sessions: Sessions;
  readonly #cfg: AccessConfig;
  readonly #passwords: PasswordBook;
  readonly #audit: Logger;

  readonly #metrics: GateDeps['metrics'];

  constructor(cfg: AccessConfig, sessionKey: Buffer, log: Logger, metrics?: GateDeps['metrics']) {
    this.#cfg = cfg;
    this.#metrics = metrics;
    this.#audit = log.child({ audit: true });
    this.#passwords = new PasswordBook(cfg, log);
    this.sessions = new Sessions(sessionKey, cfg.token_ttl);
    const members = new Map<string, string[]>();
    for (const [group, subjects] of Object.entries(cfg.groups)) {
      for (const s of subjects) members.set(s, [...(members.get(s) ?? []), group]);
    }
    this.authenticator = new Authenticator({
      passwords: this.#passwords,
      tokens: new StaticTokens(cfg.tokens),
      jwt: new JwtIssuers(cfg.jwt),
      sessions: this.sessions,
      failures: new FailureLimiter(cfg.failures.limit, cfg.failures.window),
      groupsOf: (subject) => members.get(subject) ?? [],
      cacheForMs: cfg.cache_for,
    });
  }

  /** The gate of one instance: its own rules first, then the global ones. */
  instanceGate(
    instance: string,
    own: InstanceAccess | undefined,
    match: NameMatcher,
  ): InstanceGate {
    const rules = new Rules(
      [...(own?.rules ?? []), ...this.#cfg.rules],
      own?.anonymous ?? this.#cfg.anonymous,
      match,
    );
    return new InstanceGate({
      instance,
      rules,
      authenticator: this.authenticator,
      sessions: this.sessions,
      audit: this.#audit,
      metrics: this.#metrics,
    });
  }

  /** Whether credentials name a subject listed in `access.metrics`. */
  metricsCheck(): (authorization: string | undefined, client: string) => Promise<boolean> {
    return this.#listCheck(this.#cfg.metrics);
  }

  /** Whether credentials name a subject listed in `access.admin`; null when nobody is. */
  adminCheck(): ((authorization: string | undefined, client: string) => Promise<boolean>) | null {
    return this.#cfg.admin.length ? this.#listCheck(this.#cfg.admin) : null;
  }

  #listCheck(
    who: readonly string[],
  ): (authorization: string | undefined, client: string) => Promise<boolean> {
    const rules = new Rules(
      who.length ? [{ who: [...who], names: ['**'], allow: ['read'], deny: [] }] : [],
      'none',
      globMatcher,
    );
    return async (authorization, client) => {
      const auth = await this.authenticator.authenticate(authorization, client);
      const identity = auth.kind === 'identity' ? auth.identity : null;
      if (auth.kind !== 'identity' && auth.kind !== 'anonymous') return false;
      return rules.decide(identity, { instance: true }, 'read').allowed;
    };
  }

  close(): void {
    this.#passwords.close();
  }
}
