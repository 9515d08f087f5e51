// What a cluster worker is told by its primary: the channel, and whether it runs the cache's
// background upkeep. Its /metrics answers for the whole cluster, merged by the primary.
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config/schema.js';
import { clusterPeers, type Peers } from '../app/peers.js';
import { ConnectionInbox } from './connection-inbox.js';
import { ClusterLeases } from './worker-leases.js';
import type { Listener, Serving } from '../server/listeners.js';
import type { WorkerLink } from './worker-link.js';

export interface WorkerRole {
  link: WorkerLink;
  /** This worker runs expiry, GC, the scrub and the missing-blob sweep. */
  housekeeper: boolean;
  /** Takes listener `i`'s connections from the primary instead of binding a port. */
  adopt(i: number, serving: Serving): Listener;
  /** Fills claimed from the primary, and the instances' view of the other workers. */
  leases: ClusterLeases;
  peers: Peers;
}

export interface MetricsSource {
  contentType: string;
  metrics(): Promise<string>;
}

/** The cluster's metrics; this worker's own if the primary cannot gather them in time. */
export function clusterMetrics(link: WorkerLink, own: Registry): MetricsSource {
  // The constructor installs prom-client's listener for the primary's requests over IPC.
  AggregatorRegistry.setRegistries([own]);
  new AggregatorRegistry();
  return {
    contentType: own.contentType,
    async metrics() {
      const merged = await link.metrics();
      return merged.text ?? own.metrics();
    },
  };
}

/** This worker's role, from what its primary put in its environment. */
export function workerRole(link: WorkerLink): WorkerRole {
  const inbox = new ConnectionInbox(
    JSON.parse(process.env['TROVE_LISTENERS'] ?? '[]') as AddressInfo[],
  );
  const leases = new ClusterLeases(link);
  return {
    link,
    housekeeper: process.env['TROVE_WORKER_SLOT'] === '0',
    adopt: (i, server) => inbox.adopt(i, server),
    leases,
    peers: clusterPeers(link, leases),
  };
}

/**
 * Where a configuration listens: the main listener, then each instance with `bind`, then the
 * replicas' internal listener.
 */
export function listenAddresses(config: Config): Array<{ host: string; port: number }> {
  const bound = Object.values(config.instances).flatMap((i) => {
    const bind = (i as { bind?: { host: string; port: number } }).bind;
    return bind ? [bind] : [];
  });
  const internal = config.replicas.listen ? [config.replicas.listen] : [];
  return [config.server.listen, ...bound, ...internal];
}
