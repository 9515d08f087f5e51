// `trove serve` and `trove validate`.
import { startApp } from '../app/create-app.js';
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
  const app = await startApp(config, registry);
  app.log.info({ config: source }, 'configuration loaded');
  let signals = 0;
  const stop = (signal: string): void => {
    signals++;
    if (signals > 1) {
      app.log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    app.log.info({ signal, timeoutMs: config.server.shutdown_timeout }, 'shutting down');
    void app.close().then((clean) => {
      app.log.info({ clean }, 'stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

export function runValidate(registry: EcosystemRegistry, opts: CommonOptions): void {
  const { config, source } = load(registry, opts);
  const names = Object.keys(config.instances);
  process.stdout.write(
    `${source}: OK (${names.length} instance${names.length === 1 ? '' : 's'}: ${names.join(', ') || 'none'})\n`,
  );
}
