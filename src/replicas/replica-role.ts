// What makes this process one replica among several that share a PostgreSQL index: fill leases
// in it, one elected replica for the housekeeping, and (with `replicas.listen`) the internal
// endpoint the other replicas stream live fills from. Absent with the SQLite index.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { FillLeases } from '../engine/fill-leases.js';
import type { CacheIndex } from '../index/cache-index.js';
import { PostgresIndex } from '../index/postgres/postgres-index.js';
import { fillEndpoint } from './fill-endpoint.js';
import { PgLeaseStore } from './lease-store.js';
import { ReplicaLeases } from './replica-leases.js';
import { exclusive, whileElected, type Running } from './election.js';
import type { Peers } from '../app/peers.js';
import type { IndexChange } from '../index/cached-index.js';

export interface ReplicaRole {
  leases: FillLeases;
  /** The internal endpoint's handler, once the engine exists (with `replicas.listen`). */
  endpoint(engine: Engine): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Runs `start`'s jobs while this replica is the elected one. */
  elected(name: string, start: () => Running): Running;
  /** Peers across replicas: jobs run once among them, record changes heard from them. */
  peers(inner: Peers): Peers & { heard(change: IndexChange): void };
  /** The internal listener is bound: advertise it, unless the config names the address. */
  bound(address: AddressInfo): void;
  close(): Promise<void>;
}

export function replicaRole(
  config: Config,
  driver: CacheIndex,
  inner: FillLeases,
  tempPath: () => string,
  log: Logger,
): ReplicaRole | null {
  const r = config.replicas;
  if (!(driver instanceof PostgresIndex)) return null;
  // Without an internal listener, a replica that loses a claim waits for the owner's commit.
  const token = r.token?.reveal() ?? '';
  let addr: string | null = r.advertise?.replace(/\/+$/, '') ?? null;
  const owner = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
  const store = new PgLeaseStore((text, values) => driver.sql(text, values), {
    owner,
    addr: () => addr,
    ttlMs: r.lease_ttl,
  });
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 64 });
  const leases = new ReplicaLeases({
    inner,
    store,
    ttlMs: r.lease_ttl,
    token,
    dispatcher,
    tempPath,
    log: log.child({ component: 'replicas' }),
  });
  return {
    leases,
    endpoint: (engine) => fillEndpoint(engine, token, log.child({ component: 'replicas' })),
    peers: (inner) =>
      replicaPeers(inner, (name, job) => exclusive(store, `!job:${name}`, r.lease_ttl, job)),
    elected: (name, start) =>
      whileElected(store, `!${name}`, r.lease_ttl, start, log.child({ component: 'replicas' })),
    bound(address) {
      if (addr) return;
      const host = address.address.includes(':') ? `[${address.address}]` : address.address;
      addr = `http://${host}:${address.port}`;
    },
    close: () => dispatcher.close(),
  };
}

/**
 * Peers among replicas on top of this machine's: a job runs once on this machine, and there
 * only once its replica lease is held; record changes come from the index change feed.
 */
function replicaPeers(
  inner: Peers,
  exclusive: (name: string, job: () => Promise<void>) => Promise<boolean>,
): Peers & { heard(change: IndexChange): void } {
  const watchers = new Map<string, Array<(key: string) => void>>();
  return {
    ...inner,
    watchRecords(ns, changed) {
      inner.watchRecords(ns, changed);
      watchers.set(ns, [...(watchers.get(ns) ?? []), changed]);
    },
    async once(name, job) {
      let ran = false;
      const here = await inner.once(name, async () => {
        ran = await exclusive(name, job);
      });
      return here && ran;
    },
    heard(change) {
      if (!('ns' in change)) return;
      for (const w of watchers.get(change.ns) ?? []) w(change.key);
    },
  };
}
