// The composition root: storage, index, engine, ecosystem instances and listeners from a Config.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ServerResponse } from 'node:http';
import { destination, pino, type Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { Engine } from '../engine/engine.js';
import { MemoryCache } from '../engine/memory-cache.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import { CachedIndex } from '../index/cached-index.js';
import { GuardedIndex } from '../index/guarded-index.js';
import type { CacheIndex } from '../index/cache-index.js';
import type { BlobStore } from '../storage/blob-store.js';
import { SqliteIndex } from '../index/sqlite/sqlite-index.js';
import { Metrics } from '../observability/metrics.js';
import { closeGracefully, listen, type Listener } from '../server/listeners.js';
import { primaryMounts } from '../server/mount.js';
import { trustList } from '../server/public-url.js';
import { createRequestHandler } from '../server/request-handler.js';
import { Router } from '../server/router.js';
import { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import { createNetwork } from '../upstream/network/dispatcher.js';
import { GitMirrors } from '../vcs/git-mirrors.js';
import { readiness } from './readiness.js';
import { scheduleScrub } from './scrub-timer.js';
import { removeTempFiles, sweepLostBlobs } from './recovery.js';
import { mountInstances } from './instances.js';

export interface App {
  config: Config;
  log: Logger;
  engine: Engine;
  listeners: Listener[];
  /** http://host:port of the main listener. */
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
): Promise<App> {
  // Buffered stdout logging: one write per 4 KiB of log lines (about twenty requests), written
  // on the event loop (no thread hand-off per line), and flushed at least every 250 ms.
  const dest = log ? null : destination({ dest: 1, sync: true, minLength: 4096 });
  // A log reader that went away (EPIPE) must never stop Trove from serving or shutting down.
  dest?.on('error', () => undefined);
  // flush(), not flushSync(): in sync mode it writes at once too, but flushSync retries a broken
  // pipe forever and would hang shutdown.
  const flushNow = (): void => {
    try {
      dest?.flush();
    } catch {
      // stdout is gone; nothing more can be said there
    }
  };
  const flusher = dest ? setInterval(() => dest.flush(), 250) : null;
  flusher?.unref();
  // Lines logged after close (the CLI's last words before process.exit) still reach stdout.
  if (dest) process.once('exit', flushNow);
  const logger =
    log ?? pino({ level: config.log.level, base: { pid: process.pid } }, dest ?? undefined);
  const dir = resolve(config.storage.dir);
  mkdirSync(dir, { recursive: true });
  const fsBlobs = new FsBlobStore(dir);
  await fsBlobs.init();
  const blobs = seams.blobs?.(fsBlobs) ?? fsBlobs;
  const metrics = new Metrics();
  // A short lock wait: better-sqlite3 waits synchronously, so the guard retries with timers.
  const driver = new SqliteIndex(config.storage.index.path ?? resolve(dir, 'index.db'), {
    busyTimeoutMs: 20,
  });
  const guarded = new GuardedIndex(seams.index?.(driver) ?? driver, {
    onError: (operation, code) => metrics.indexErrors.inc({ operation, code }),
  });
  const index = new CachedIndex(guarded);
  await removeTempFiles(fsBlobs, logger);

  const memory = new MemoryCache(
    config.storage.memory.max_bytes,
    config.storage.memory.max_object_size,
    config.storage.memory.max_metadata_size,
  );
  const engine = new Engine({
    blobs,
    index,
    memory,
    metrics,
    log: logger,
    maxSize: config.storage.max_size ?? null,
    verifyHits: config.storage.verify_hits,
    tempPath: () => fsBlobs.tempPath(),
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
  const { instances, main, dedicated } = mountInstances(config, registry, {
    engine,
    agent: network.dispatcher,
    log: logger,
    git,
    index,
  });
  metrics.observeRateLimits(() =>
    [...instances].flatMap(([name, i]) => {
      const limits = i.rateLimits?.();
      return limits?.length ? [{ instance: name, limits }] : [];
    }),
  );
  metrics.observeRoots(() =>
    [...instances].flatMap(([name, i]) => {
      const counts = i.rootCounts?.();
      return counts ? [{ instance: name, counts }] : [];
    }),
  );

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
    metrics: config.metrics.enabled ? metrics.registry : null,
    metricsToken: config.metrics.token?.reveal() ?? null,
  };
  const listeners: Listener[] = [];
  const { host, port } = config.server.listen;
  listeners.push(
    await listen(
      host,
      port,
      createRequestHandler({ ...common, router: new Router(main), system }),
      inFlight,
    ),
  );
  for (const d of dedicated) {
    const handler = createRequestHandler({
      ...common,
      router: new Router([d.mount]),
      system: null,
    });
    listeners.push(await listen(d.host, d.port, handler, inFlight));
  }

  const timers = [
    setInterval(
      () =>
        void engine.evictor
          .expire(Date.now())
          .catch((err: unknown) => logger.error({ err }, 'expiry failed')),
      60_000,
    ),
    setInterval(
      () =>
        void engine.evictor
          .gc(Date.now(), 3_600_000)
          .catch((err: unknown) => logger.error({ err }, 'gc failed')),
      config.storage.gc_interval,
    ),
  ];
  for (const t of timers) t.unref();
  void engine.evictor.enforce().catch((err: unknown) => logger.error({ err }, 'eviction failed'));
  const sweep = sweepLostBlobs(blobs, index, logger, () => shuttingDown).catch((err: unknown) =>
    logger.error({ err }, 'missing-blob sweep failed'),
  );
  metrics.observeStore(() => index.stats());
  const scrubber = scheduleScrub(
    { index, blobs, engine, metrics, log: logger },
    config.storage.scrub.interval,
    config.storage.scrub.rate,
  );

  const addr = listeners[0]?.address();
  const shownHost =
    !addr || addr.address === '0.0.0.0' || addr.address === '::' ? '127.0.0.1' : addr.address;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${addr?.port ?? port}`;
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
        for (const t of timers) clearInterval(t);
        await sweep;
        await scrubber.stop();
        await Promise.all([...instances.values()].map((i) => i.close?.()));
        const clean = await closeGracefully(
          listeners,
          inFlight,
          engine.drain(),
          config.server.shutdown_timeout,
        );
        await engine.access.flush().catch(() => undefined);
        await index.close();
        if (flusher) clearInterval(flusher);
        flushNow();
        await network.close().catch(() => undefined);
        return clean;
      })();
      return closing;
    },
  };
}
