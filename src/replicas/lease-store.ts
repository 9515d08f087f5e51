// Cluster-wide fill leases in PostgreSQL: one row per key being filled, naming the replica that
// fills it and where other replicas can stream it from. A lease is taken with one conditional
// upsert (a live lease is never overwritten; an expired one is taken over with the next
// generation), renewed while the fill runs, and deleted when it ends. Only the holder of the
// current generation renews or releases it, so a replica that lost its lease learns so.
// A row this process still holds when it claims the key again is stale (its claims are
// de-duplicated in memory first, and a release may have failed): it is taken over at once.

export type Sql = <R extends Record<string, unknown>>(
  text: string,
  values?: unknown[],
) => Promise<R[]>;

export type Acquired =
  | { kind: 'mine'; generation: number }
  | { kind: 'held'; owner: string; addr: string | null; expiresInMs: number };

export interface LeaseStore {
  acquire(key: string): Promise<Acquired>;
  /** Extends the lease; false when it is no longer this generation's. */
  renew(key: string, generation: number): Promise<boolean>;
  release(key: string, generation: number): Promise<void>;
  /** Who holds the key now, if anyone (an expired lease counts as nobody). */
  holder(key: string): Promise<Extract<Acquired, { kind: 'held' }> | null>;
}

export class PgLeaseStore implements LeaseStore {
  readonly #sql: Sql;
  readonly #owner: string;
  readonly #addr: () => string | null;
  readonly #ttl: string;

  constructor(sql: Sql, o: { owner: string; addr: () => string | null; ttlMs: number }) {
    this.#sql = sql;
    this.#owner = o.owner;
    this.#addr = o.addr;
    this.#ttl = `${Math.max(1, Math.round(o.ttlMs))} milliseconds`;
  }

  async acquire(key: string): Promise<Acquired> {
    const [won] = await this.#sql<{ generation: number }>(
      `INSERT INTO fill_leases AS l (key, owner, owner_addr, expires_at)
       VALUES ($1, $2, $3, now() + $4::interval)
       ON CONFLICT (key) DO UPDATE
         SET owner = EXCLUDED.owner, owner_addr = EXCLUDED.owner_addr,
             generation = l.generation + 1, expires_at = EXCLUDED.expires_at
         WHERE l.expires_at < now() OR l.owner = EXCLUDED.owner
       RETURNING generation`,
      [key, this.#owner, this.#addr(), this.#ttl],
    );
    if (won) return { kind: 'mine', generation: won.generation };
    const held = await this.holder(key);
    // Released between the two statements: try once more.
    return held ?? this.acquire(key);
  }

  async renew(key: string, generation: number): Promise<boolean> {
    const rows = await this.#sql(
      `UPDATE fill_leases SET expires_at = now() + $3::interval
       WHERE key = $1 AND generation = $2 AND owner = $4 RETURNING 1`,
      [key, generation, this.#ttl, this.#owner],
    );
    return rows.length > 0;
  }

  async release(key: string, generation: number): Promise<void> {
    await this.#sql('DELETE FROM fill_leases WHERE key = $1 AND generation = $2 AND owner = $3', [
      key,
      generation,
      this.#owner,
    ]);
  }

  async holder(key: string): Promise<Extract<Acquired, { kind: 'held' }> | null> {
    const [row] = await this.#sql<{ owner: string; owner_addr: string | null; ms: number }>(
      `SELECT owner, owner_addr,
         (EXTRACT(EPOCH FROM (expires_at - now())) * 1000)::bigint AS ms
       FROM fill_leases WHERE key = $1 AND expires_at >= now()`,
      [key],
    );
    return row
      ? { kind: 'held', owner: row.owner, addr: row.owner_addr, expiresInMs: row.ms }
      : null;
  }
}

/**
 * Waits until the lease `held` describes ends: released, taken by another owner, or expired
 * (a dead holder's). Bounded by `untilMs`; an unreachable store counts as still held.
 */
export async function leaseEnded(
  store: LeaseStore,
  key: string,
  held: Extract<Acquired, { kind: 'held' }>,
  untilMs: number,
): Promise<void> {
  const deadline = Date.now() + untilMs;
  while (Date.now() < deadline) {
    const now = await store.holder(key).catch(() => held);
    if (!now || now.owner !== held.owner) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}
