// The no-leak rule for passthrough registries (OCI, Cargo): cached objects are shared by every
// client, so before one is served, the upstream must have accepted this client's credential for
// this repository. The upstream's answer is reused for `access_cache_for`. While the registry
// cannot answer (down, 5xx, 429), a grant it gave earlier still holds; a refusal never does.

export type Probe = () => Promise<number>;

export type Access = { ok: true } | { ok: false; status: 401 | 404 | 503; reason: string };

interface Remembered {
  granted: boolean;
  until: number;
}

/** Decisions kept before the oldest are dropped. */
const MAX_ENTRIES = 10_000;

export class AccessGate {
  readonly #ttlMs: number;
  readonly #seen = new Map<string, Remembered>();
  /** Probes in flight: concurrent requests of one client for one repository ask once. */
  readonly #asking = new Map<string, Promise<Access>>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  async check(key: string, probe: Probe, now = Date.now()): Promise<Access> {
    const known = this.#seen.get(key);
    if (known && known.until > now) {
      return known.granted ? { ok: true } : denied();
    }
    const asking = this.#asking.get(key);
    if (asking) return asking;
    const answer = this.#ask(key, probe, known, now);
    this.#asking.set(key, answer);
    try {
      return await answer;
    } finally {
      this.#asking.delete(key);
    }
  }

  async #ask(
    key: string,
    probe: Probe,
    known: Remembered | undefined,
    now: number,
  ): Promise<Access> {
    let status: number;
    try {
      status = await probe();
    } catch {
      status = 0;
    }
    if (status >= 200 && status < 400) {
      this.#remember(key, true, now);
      return { ok: true };
    }
    if (status === 401 || status === 403) {
      this.#remember(key, false, now);
      return denied();
    }
    if (status === 404) {
      return { ok: false, status: 404, reason: 'the registry does not have it for this client' };
    }
    // No answer from the registry: an earlier grant still stands, nothing else does.
    if (known?.granted) return { ok: true };
    return {
      ok: false,
      status: 503,
      reason: `the registry could not confirm access${status ? ` (it answered ${status})` : ''}`,
    };
  }

  #remember(key: string, granted: boolean, now: number): void {
    if (this.#seen.size >= MAX_ENTRIES) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.delete(key);
    this.#seen.set(key, { granted, until: now + this.#ttlMs });
  }
}

function denied(): Access {
  return { ok: false, status: 401, reason: 'the registry did not accept these credentials' };
}
