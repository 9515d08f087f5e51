// What an instance may need from the other processes sharing its cache: news of the records
// they write, and jobs run once among them. One process alone has no peers (alonePeers).
import type { ClusterLeases } from '../cluster/worker-leases.js';
import type { WorkerLink } from '../cluster/worker-link.js';

export interface Peers {
  /** Calls `changed` with the key of each record of `ns` another process writes. */
  watchRecords(ns: string, changed: (key: string) => void): void;
  /** Runs `job` here, or waits for the run another process has started (false). */
  once(name: string, job: () => Promise<void>): Promise<boolean>;
  /** Tells every other process `value` on `channel`. */
  tell(channel: string, value: unknown): void;
  /** Calls `heard` with what other processes tell on `channel`. */
  hear(channel: string, heard: (value: unknown) => void): void;
}

export const alonePeers: Peers = {
  watchRecords: () => undefined,
  tell: () => undefined,
  hear: () => undefined,
  once: async (_name, job) => {
    await job();
    return true;
  },
};

/** Peers through the primary: record writes come as index changes, jobs take a lease. */
export function clusterPeers(link: WorkerLink, leases: ClusterLeases): Peers {
  const watchers = new Map<string, Array<(key: string) => void>>();
  const listeners = new Map<string, Array<(value: unknown) => void>>();
  link.on((m) => {
    if (m.t === 'news') for (const l of listeners.get(m.channel) ?? []) l(m.value);
    if (m.t !== 'invalidate' || !('ns' in m.change)) return;
    for (const w of watchers.get(m.change.ns) ?? []) w(m.change.key);
  });
  return {
    watchRecords(ns, changed) {
      watchers.set(ns, [...(watchers.get(ns) ?? []), changed]);
    },
    once: (name, job) => leases.exclusive(`job:${name}`, job),
    tell: (channel, value) => link.send({ trove: 1, t: 'news', channel, value }),
    hear(channel, heard) {
      listeners.set(channel, [...(listeners.get(channel) ?? []), heard]);
    },
  };
}
