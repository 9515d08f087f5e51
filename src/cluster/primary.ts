// The primary of `server.workers` > 1: it prepares the cache (temp files, index migrations),
// forks the workers (node:cluster shares the listeners round-robin), keeps the table of fills
// in flight, relays index changes and merged metrics, restarts a worker that dies and drains
// them all on shutdown. It serves no request itself.
import cluster, { type Worker } from 'node:cluster';
import { mkdirSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config/schema.js';
import { openIndex } from '../app/storage.js';
import { stdoutLogger } from '../observability/stdout-logger.js';
import { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import { removeTempFiles } from '../app/recovery.js';
import { Dispatcher } from './dispatcher.js';
import { LeaseTable } from './lease-table.js';
import { listenAddresses } from './worker-role.js';
import { isTroveMessage, type ToPrimary, type ToWorker } from './messages.js';

/** More deaths than this within a minute slow restarts down to one per RESTART_SLOW ms. */
const CRASH_BURST = 5;
const RESTART_SLOW = 5_000;

export async function runPrimary(config: Config, source: string): Promise<void> {
  const out = stdoutLogger(config.log.level, { atomicLines: true });
  const log = out.logger.child({ component: 'primary' });
  const dir = resolve(config.storage.dir);
  mkdirSync(dir, { recursive: true });
  const store = new FsBlobStore(dir);
  await store.init();
  await removeTempFiles(store, log);
  // Migrations run once here, not raced by several workers opening the index at once.
  const index = openIndex(config.storage, { poolSize: 1 });
  try {
    await index.ping('read');
  } catch (err) {
    // The workers serve by pass-through and report it on /ready until the index is back.
    log.error({ err }, 'the index cannot be used; requests go to the upstreams uncached');
  } finally {
    await index.close();
  }

  const dispatcher = new Dispatcher();
  const bound = await dispatcher.listen(listenAddresses(config));
  const aggregator = new AggregatorRegistry();
  const send = (id: number, m: ToWorker): void => {
    const w = cluster.workers?.[id];
    // A worker that just died: its exit is handled on its own, the message is moot.
    if (w?.isConnected()) w.send(m, undefined, () => undefined);
  };
  const table = new LeaseTable(send);
  const slots = new Map<number, number>();
  const serving = new Set<number>();
  const deaths: number[] = [];
  let stopping = false;
  let exitWith = 0;

  const receive = (w: Worker, m: unknown): void => {
    if (!isTroveMessage<ToPrimary>(m)) return;
    switch (m.t) {
      case 'claim':
        return table.claim(w.id, m.id, m.key);
      case 'state':
        return table.state(w.id, m.key, m.snap);
      case 'invalidate':
      case 'news':
        for (const id of slots.keys()) if (id !== w.id) send(id, m);
        return;
      case 'took':
        return dispatcher.took(m.id);
      case 'ready':
        serving.add(w.id);
        return dispatcher.ready(w);
      case 'metrics':
        void aggregator.clusterMetrics().then(
          (text) => send(w.id, { ...m, text, contentType: aggregator.contentType }),
          () => send(w.id, { ...m, text: null, contentType: '' }),
        );
    }
  };
  const fork = (slot: number): void => {
    const w = cluster.fork({
      TROVE_WORKER_SLOT: String(slot),
      TROVE_LISTENERS: JSON.stringify(bound),
    });
    slots.set(w.id, slot);
    w.on('message', (m: unknown) => receive(w, m));
    w.on('error', (err) => log.warn({ pid: w.process.pid, err }, 'worker channel error'));
  };

  const finish = (code: number): void => {
    log.info({ code }, 'stopped');
    out.close();
    process.exit(code);
  };
  const stop = (signal: string, code = 0): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: stopping the workers now');
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      return finish(1);
    }
    stopping = true;
    exitWith = code;
    dispatcher.close();
    log.info({ signal, workers: slots.size }, 'shutting down the workers');
    for (const id of slots.keys()) send(id, { trove: 1, t: 'shutdown' });
    if (slots.size === 0) return finish(exitWith);
    setTimeout(() => {
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGKILL');
      finish(1);
    }, config.server.shutdown_timeout + 5_000).unref();
  };

  cluster.on('exit', (w, exitCode, signal) => {
    const slot = slots.get(w.id) ?? 0;
    slots.delete(w.id);
    dispatcher.gone(w);
    for (const spool of table.exited(w.id)) void unlink(spool).catch(() => undefined);
    if (w.process.pid) void store.removeTempFiles(w.process.pid).catch(() => undefined);
    const started = serving.delete(w.id);
    if (stopping) {
      if (slots.size === 0) finish(exitWith);
      return;
    }
    if (!started && !signal) {
      // It exited before serving: the configuration or the storage is wrong for every worker
      // alike, and restarting cannot help. (One killed by a signal is restarted.)
      log.error({ pid: w.process.pid, exitCode, signal }, 'a worker failed to start');
      return stop('worker start failure', 1);
    }
    const now = Date.now();
    deaths.push(now);
    while ((deaths[0] ?? now) < now - 60_000) deaths.shift();
    const delay = deaths.length > CRASH_BURST ? RESTART_SLOW : 0;
    log.error({ pid: w.process.pid, exitCode, signal, restartInMs: delay }, 'a worker died');
    setTimeout(() => stopping || fork(slot), delay);
  });
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  const count = config.server.workers;
  for (let slot = 0; slot < count; slot++) fork(slot);
  log.info({ workers: count, config: source, cache: dir }, `starting ${count} workers`);
}
