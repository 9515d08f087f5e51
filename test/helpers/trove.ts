// Starts Trove in-process on port 0 with a temp storage dir and a config object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { startApp, type App, type AppSeams } from '../../src/app/create-app.js';
import { buildSchema } from '../../src/config/schema.js';
import { defaultRegistry, type EcosystemRegistry } from '../../src/ecosystems/registry.js';

export interface TestTrove {
  app: App;
  url: string;
  dir: string;
  stop(): Promise<void>;
}

export async function startTrove(
  config: Record<string, unknown>,
  opts: {
    dir?: string;
    registry?: EcosystemRegistry;
    keepDir?: boolean;
    seams?: AppSeams;
    /** Where the app logs (silent unless TROVE_TEST_LOG is set). */
    log?: Logger;
  } = {},
): Promise<TestTrove> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'trove-test-'));
  const registry = opts.registry ?? defaultRegistry();
  const raw = {
    ...config,
    server: { listen: '127.0.0.1:0', shutdown_timeout: '5s', ...(config['server'] as object) },
    storage: { dir, ...(config['storage'] as object) },
  };
  const parsed = buildSchema(registry).parse(raw);
  const app = await startApp(
    parsed,
    registry,
    opts.log ?? pino({ level: process.env['TROVE_TEST_LOG'] ?? 'silent' }),
    opts.seams,
  );
  return {
    app,
    url: app.url,
    dir,
    async stop() {
      await app.close();
      if (!opts.keepDir && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A file instance named `files` in front of one upstream, with overrides. */
export function fileInstance(
  upstream: string | string[],
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    instances: {
      files: { type: 'file', upstreams: Array.isArray(upstream) ? upstream : [upstream], ...over },
    },
  };
}

/** A logger that keeps every line it writes, parsed, for tests that read the logs. */
export function capturingLogger(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino(
    { level: 'info' },
    { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines };
}
