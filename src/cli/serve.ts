// `trove serve` and `trove validate`.
import cluster from 'node:cluster';
import { startApp } from '../app/create-app.js';
import { runPrimary } from '../cluster/primary.js';
import { WorkerLink } from '../cluster/worker-link.js';
import { workerRole } from '../cluster/worker-role.js';
import { loadConfig, type Flags, type Loaded } from '../config/load.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';

export interface CommonOptions extends Flags {
  config?: string;
}

export function load(registry: EcosystemRegistry, opts: CommonOptions): Loaded {
  const { config, ...flags } = opts;
  return loadConfig(registry, { file: config, flags });
}

export async function runServe(registry: EcosystemRegistry, opts: CommonOptions): Promise<void> {
  const { config, source } = load(registry, opts);
  if (cluster.isPrimary && config.server.workers > 1) return runPrimary(config, source);
  const link = cluster.isWorker ? new WorkerLink() : undefined;
  // Asked to stop while still starting: stop as soon as started.
  let stop: (why: string, isSignal: boolean) => void = () => (early = true);
  let early = false;
  link?.on((m) => m.t === 'shutdown' && stop('primary asked', false));
  if (link) process.on('disconnect', () => stop('primary gone', false));
  const app = await startApp(config, registry, undefined, {}, link && workerRole(link));
  link?.send({ trove: 1, t: 'ready' });
  if (!link) app.log.info({ config: source }, 'configuration loaded');
  let signals = 0;
  let stopping = false;
  stop = (why, isSignal) => {
    if (isSignal) signals++;
    if (signals > 1) {
      app.log.warn({ signal: why }, 'second signal: exiting now');
      process.exit(1);
    }
    if (stopping) return;
    stopping = true;
    app.log.info({ why, timeoutMs: config.server.shutdown_timeout }, 'shutting down');
    void app.close().then((clean) => {
      app.log.info({ clean }, 'stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT', true));
  process.on('SIGTERM', () => stop('SIGTERM', true));
  if (early) stop('primary asked', false);
}

export function runValidate(registry: EcosystemRegistry, opts: CommonOptions): void {
  const { config, source } = load(registry, opts);
  const names = Object.keys(config.instances);
  process.stdout.write(
    `${source}: OK (${names.length} instance${names.length === 1 ? '' : 's'}: ${names.join(', ') || 'none'})\n`,
  );
}
