// What makes this process one replica among several: fill leases in the shared PostgreSQL
// index, and the internal endpoint the other replicas stream live fills from. Absent unless
// `replicas.listen` is set (the config requires the PostgreSQL index with it).
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

export interface ReplicaRole {
  leases: FillLeases;
  /** The internal endpoint's handler, once the engine exists. */
  endpoint(engine: Engine): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
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
  if (!r.listen || !r.token || !(driver instanceof PostgresIndex)) return null;
  const token = r.token.reveal();
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
    bound(address) {
      if (addr) return;
      const host = address.address.includes(':') ? `[${address.address}]` : address.address;
      addr = `http://${host}:${address.port}`;
    },
    close: () => dispatcher.close(),
  };
}
