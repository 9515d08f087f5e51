// The composition root: storage, index, engine, ecosystem instances and listeners from a Config.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { Engine } from '../engine/engine.js';
import { LocalLeases } from '../engine/fill-leases.js';
import { replicaRole } from '../replicas/replica-role.js';
import { MemoryCache } from '../engine/memory-cache.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import { CachedIndex, type IndexChange } from '../index/cached-index.js';
import { GuardedIndex } from '../index/guarded-index.js';
import type { CacheIndex } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';
import { Metrics } from '../observability/metrics.js';
import { stdoutLogger, type StdoutLogger } from '../observability/stdout-logger.js';
import { closeGracefully, httpServer, listen, type Listener } from '../server/listeners.js';
import { clientServers } from './client-listeners.js';
import { uiDeps } from './ui-deps.js';
import { primaryMounts } from '../server/mount.js';
import { localUrl, trustList } from '../server/public-url.js';
import { createRequestHandler } from '../server/request-handler.js';
import { Router } from '../server/router.js';
import { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import { createNetwork } from '../upstream/network/dispatcher.js';
import { GitMirrors } from '../vcs/git-mirrors.js';
import { readiness } from './readiness.js';
import { changeFeed, deleteGrace, openBlobs, openIndex, redirectPolicy } from './storage.js';
import { deriveKey, masterKey } from './secret-key.js';
import { AccessControl } from '../access/access-control.js';
import { startHousekeeping } from './housekeeping.js';
import { removeTempFiles } from './recovery.js';
import { mountInstances } from './instances.js';
import { alonePeers } from './peers.js';
import { clusterMetrics, type WorkerRole } from '../cluster/worker-role.js';

export interface App {
  config: Config;
  log: Logger;
  engine: Engine;
  listeners: Listener[];
  /** http(s)://host:port of the main listener. */
  url: string;
  close(): Promise<boolean>;
}

/** Seams for fault-injection tests: wrap the index driver (under the guard) or the blob store. */
export interface AppSeams {
  index?(driver: CacheIndex): CacheIndex;
  blobs?(store: BlobStore): BlobStore;
}

export async function startApp(
  config: Config,
  registry: EcosystemRegistry,
  log?: Logger,
  seams: AppSeams = {},
  cluster?: WorkerRole,
): Promise<App> {
  const out = log ? null : stdoutLogger(config.log.level, { atomicLines: cluster !== undefined });
  const logger = log ?? (out as StdoutLogger).logger;
  const dir = resolve(config.storage.dir);
  mkdirSync(dir, { recursive: true });
  const fsBlobs = new FsBlobStore(dir);
  await fsBlobs.init();
  const store = openBlobs(config.storage, fsBlobs);
  const blobs = seams.blobs?.(store) ?? store;
  const metrics = new Metrics();
  // A short lock wait: better-sqlite3 waits synchronously, so the guard retries with timers.
  const driver = openIndex(config.storage, { busyTimeoutMs: 20 });
  const guarded = new GuardedIndex(seams.index?.(driver) ?? driver, {
    onError: (operation, code) => metrics.indexErrors.inc({ operation, code }),
  });
  const link = cluster?.link;
  // Record changes other replicas made go on to the instances watching them (set below).
  let heard: ((change: IndexChange) => void) | null = null;
  const feed = changeFeed(config.storage, driver, logger, {
    onChange: (change) => {
      index.forget(change);
      heard?.(change);
    },
    onGap: () => index.forgetAll(),
  });
  const index = new CachedIndex(guarded, {
    onChange: (change) => {
      link?.send({ trove: 1, t: 'invalidate', change });
      feed?.publish(change);
    },
  });
  link?.on((m) => m.t === 'invalidate' && index.forget(m.change));
  await feed?.start();
  // In a cluster the primary cleared them before the first worker started.
  if (!cluster) await removeTempFiles(fsBlobs, logger);

  const memory = new MemoryCache(
    config.storage.memory.max_bytes,
    config.storage.memory.max_object_size,
    config.storage.memory.max_metadata_size,
  );
  const fillTemp = (): string => fsBlobs.tempPath();
  const local = cluster?.leases ?? new LocalLeases();
  const replicas = replicaRole(config, driver, local, fillTemp, logger);
  const engine = new Engine({
    blobs,
    index,
    memory,
    metrics,
    log: logger,
    maxSize: config.storage.max_size ?? null,
    deleteGraceMs: deleteGrace(config.storage),
    ...redirectPolicy(config.storage),
    verifyHits: config.storage.verify_hits,
    tempPath: fillTemp,
    leases: replicas?.leases ?? local,
  });
  const up = config.upstream;
  const network = createNetwork(
    { connectMs: up.connect_timeout, headersMs: up.header_timeout, idleMs: up.idle_timeout },
    { proxy: up.proxy, noProxy: up.no_proxy, dns: up.dns, ca: up.ca_file?.pem },
  );
  if (up.proxy || up.dns) {
    const proxy = { http: up.proxy?.http?.display, https: up.proxy?.https?.display };
    logger.info({ proxy, no_proxy: up.no_proxy, dns: up.dns }, 'outbound network settings');
  }

  const git = new GitMirrors({
    dir: resolve(dir, 'git'),
    tempPath: () => fsBlobs.tempPath(),
    proxy: { http: up.proxy?.http?.url, https: up.proxy?.https?.url },
    noProxy: up.no_proxy,
    caFile: up.ca_file?.path,
    timeoutMs: 10 * 60_000,
    refreshMs: 60_000,
  });
  const secret = await masterKey(index, config.server.secret_key, logger);
  const machinePeers = cluster?.peers ?? alonePeers;
  const replicaPeers = replicas?.peers(machinePeers);
  heard = replicaPeers?.heard ?? null;
  const peers = replicaPeers ?? machinePeers;
  const access = config.access
    ? new AccessControl(
        config.access,
        deriveKey(secret, 'access sessions'),
        logger.child({ component: 'audit' }),
        metrics,
      )
    : null;
  const { instances, main, dedicated } = mountInstances(config, registry, {
    access,
    masterKey: secret,
    engine,
    agent: network.dispatcher,
    log: logger,
    git,
    index,
    peers,
  });
  metrics.observeRateLimits(() =>
    [...instances].flatMap(([name, i]) => {
      const limits = i.rateLimits?.();
      return limits?.length ? [{ instance: name, limits }] : [];
    }),
  );
  const roots = () =>
    [...instances].flatMap(([name, i]) => {
      const counts = i.rootCounts?.();
      return counts ? [{ instance: name, counts }] : [];
    });
  metrics.observeRoots(roots);

  let shuttingDown = false;
  const inFlight = new Set<ServerResponse>();
  const common = {
    publicUrl: config.server.public_url,
    trusted: config.server.trusted_proxies.length ? trustList(config.server.trusted_proxies) : null,
    log: logger.child({ component: 'access' }),
    isShuttingDown: () => shuttingDown,
  };
  const system = {
    ready: () => readiness(blobs, guarded),
    metrics: config.metrics.enabled
      ? link
        ? clusterMetrics(link, metrics.registry)
        : metrics.registry
      : null,
    metricsToken: config.metrics.token?.reveal() ?? null,
    metricsAccess: access ? access.metricsCheck() : null,
  };
  // The main listener, then one per instance with `bind` (the order listenAddresses gives).
  const clients = clientServers(
    [
      createRequestHandler({
        ...common,
        router: new Router(main),
        system,
        ui: uiDeps({
          config,
          index,
          engine,
          metrics: system.metrics,
          access,
          roots,
          log: logger.child({ component: 'ui' }),
        }),
      }),
      ...dedicated.map((d) =>
        createRequestHandler({ ...common, router: new Router([d.mount]), system: null, ui: null }),
      ),
    ],
    inFlight,
    config.server.tls,
    logger.child({ component: 'tls' }),
    metrics,
  );
  const servers = [...clients.servings];
  const addresses = [config.server.listen, ...dedicated];
  // Last, the replicas' internal listener.
  if (replicas && config.replicas.listen) {
    servers.push(httpServer(replicas.endpoint(engine), inFlight));
    addresses.push(config.replicas.listen);
  }
  const listeners: Listener[] = [];
  for (const [i, server] of servers.entries()) {
    const at = addresses[i] as { host: string; port: number };
    listeners.push(cluster ? cluster.adopt(i, server) : await listen(at.host, at.port, server));
  }
  if (replicas && config.replicas.listen) {
    replicas.bound((listeners[listeners.length - 1] as Listener).address());
  }

  metrics.observeStore(() => index.stats());
  // One process of the machine keeps the cache; with replicas, one elected replica's.
  const keep = (): { stop(): Promise<void> } =>
    startHousekeeping({ engine, index, blobs, metrics, log: logger }, config.storage);
  const upkeep =
    !cluster || cluster.housekeeper
      ? replicas
        ? replicas.elected('housekeeping', keep)
        : keep()
      : null;

  const first = listeners[0] as Listener;
  const url = localUrl(first.scheme, first.address().address, first.address().port);
  logger.info(
    {
      url,
      cache: dir,
      instances: main.map((m) => ({ name: m.name, type: m.type, path: m.prefix || '/' })),
    },
    `Trove listening on ${url}`,
  );
  // One line per instance telling users how to point a client at it (e.g. the GOPROXY line).
  for (const m of primaryMounts(main)) {
    const setup = m.clientSetup(`${url}${m.prefix}`).split('\n')[0] ?? '';
    logger.info({ instance: m.name, setup }, `${m.name}: ${setup}`);
  }

  let closing: Promise<boolean> | null = null;
  return {
    config,
    log: logger,
    engine,
    listeners,
    url,
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        clients.stop();
        await upkeep?.stop();
        await Promise.all([...instances.values()].map((i) => i.close?.()));
        const clean = await closeGracefully(
          listeners,
          inFlight,
          engine.drain(),
          config.server.shutdown_timeout,
        );
        await engine.access.flush().catch(() => undefined);
        await feed?.close();
        access?.close();
        await index.close();
        store.close?.();
        out?.close();
        await network.close().catch(() => undefined);
        await replicas?.close().catch(() => undefined);
        return clean;
      })();
      return closing;
    },
  };
}
