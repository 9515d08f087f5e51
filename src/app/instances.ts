// Builds each configured instance, its scope and its mounts: one per path on the main listener,
// plus a root mount on its own listener when it has `bind`.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { deriveKey } from './secret-key.js';
import type { UpstreamEntry } from '../config/types.js';
import type { Engine, Scope } from '../engine/engine.js';
import {
  mountPaths,
  recordNamespace,
  type EcosystemInstance,
  type InstanceCommon,
  type InstanceContext,
} from '../ecosystems/ecosystem.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import type { Mount } from '../server/mount.js';
import type { CacheIndex } from '../index/cache-index.js';
import { UpstreamPool } from '../upstream/upstream-pool.js';
import type { GitMirrors } from '../vcs/git-mirrors.js';
import { ecosystemMount, instanceScope } from './ecosystem-mount.js';
import { buildPool } from './upstreams.js';
import type { Peers } from './peers.js';
import type { AccessControl } from '../access/access-control.js';
import type { InstanceGate } from '../access/instance-gate.js';
import { globMatcher } from '../access/rules.js';

export interface Mounts {
  /** Every instance by name, for shutdown and metrics. */
  instances: Map<string, EcosystemInstance>;
  main: Mount[];
  dedicated: Array<{ mount: Mount; host: string; port: number }>;
}

export interface Services {
  engine: Engine;
  agent: Dispatcher;
  log: Logger;
  git: GitMirrors;
  index: CacheIndex;
  peers: Peers;
  /** The key sealing keys are derived from (secret-key.ts). */
  masterKey: Buffer;
  /** Client authentication and access rules, when configured. */
  access: AccessControl | null;
}

export function mountInstances(config: Config, registry: EcosystemRegistry, s: Services): Mounts {
  const { engine, agent, log } = s;
  const out: Mounts = { instances: new Map(), main: [], dedicated: [] };
  const maxRedirects = config.upstream.max_redirects;
  for (const [name, raw] of Object.entries(config.instances)) {
    const cfg = raw as unknown as InstanceCommon;
    const type = registry.get(cfg.type);
    const mounted: { scope?: Scope; gate?: InstanceGate | undefined } = {};
    const scopeOf = (): Scope => {
      if (!mounted.scope) throw new Error(`instance ${name} loaded before it was mounted`);
      return mounted.scope;
    };
    const ctx: InstanceContext = {
      load: (resource) => engine.load(resource, scopeOf()),
      open: (resource) => engine.open(resource, scopeOf()),
      origin: (targets) => new UpstreamPool(targets, agent, maxRedirects),
      upstream: (entries) => buildPool(entries, agent, maxRedirects),
      offline: cfg.offline ?? config.offline,
      // Read when the instance answers its first request, after the gate below is made.
      get authRequired() {
        return mounted.gate?.anonymousDenied ?? false;
      },
      records: (ns) => {
        const full = recordNamespace(name, ns);
        return {
          list: () => s.index.listRecords(full),
          get: async (key) => (await s.index.getRecord(full, key))?.value,
          page: (page) => s.index.pageRecords(full, page),
          put: (key, value) => s.index.putRecord(full, key, value, Date.now()),
          create: async (key, value) =>
            (await s.index.createRecord(full, key, value, Date.now())).value,
          watch: (changed) => s.peers.watchRecords(full, changed),
        };
      },
      once: (job, run) => s.peers.once(`${name}/${job}`, run),
      tell: (channel, value) => s.peers.tell(`${name}/${channel}`, value),
      hear: (channel, heard) => s.peers.hear(`${name}/${channel}`, heard),
      git: (url, authorization, refreshMs) => s.git.get(url, authorization, refreshMs),
      key: (purpose) => deriveKey(s.masterKey, `${name}/${purpose}`),
      log: log.child({ instance: name }),
    };
    const instance = type.create(name, cfg, ctx);
    const gate = s.access?.instanceGate(name, cfg.access, instance.matchNames ?? globMatcher);
    mounted.gate = gate;
    out.instances.set(name, instance);
    const pool =
      instance.upstream ?? buildPool(cfg.upstreams as UpstreamEntry[], agent, maxRedirects);
    const scope = instanceScope(name, instance, pool, cfg.offline ?? config.offline);
    mounted.scope = scope;
    const hosts = cfg.hosts.map((h) => h.toLowerCase());
    for (const prefix of mountPaths(type, name, cfg)) {
      out.main.push(ecosystemMount({ name, instance, scope, prefix, hosts, gate }, engine));
    }
    if (cfg.bind) {
      const mount = ecosystemMount({ name, instance, scope, prefix: '', hosts: [], gate }, engine);
      out.dedicated.push({ mount, ...cfg.bind });
    }
  }
  return out;
}
