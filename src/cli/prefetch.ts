// `trove prefetch`: the CLI side of src/prefetch (options, reporter choice, exit status).
import { TroveError } from '../errors.js';
import { barReporter, jsonReporter, lineReporter } from '../prefetch/progress.js';
import { prefetch } from '../prefetch/runner.js';

export interface PrefetchFlags {
  url?: string;
  format?: string;
  concurrency: string;
  retries: string;
  json?: boolean;
  token?: string;
  instance: string[];
  platform: string[];
}

function count(flag: string, v: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new TroveError(
      'TROVE_ERR_BAD_REQUEST',
      `--${flag} ${v}: must be a whole number from 0 to ${max}`,
    );
  }
  return n;
}

export async function runPrefetch(files: string[], f: PrefetchFlags): Promise<void> {
  const instances: Record<string, string> = {};
  for (const pair of f.instance) {
    const m = /^(go|npm|pypi|cargo|oci|maven)=(.+)$/.exec(pair);
    if (!m) {
      throw new TroveError(
        'TROVE_ERR_BAD_REQUEST',
        `--instance ${pair}: use ecosystem=instance, e.g. npm=npm-internal`,
      );
    }
    instances[m[1] as string] = m[2] as string;
  }
  const report = f.json
    ? jsonReporter(process.stdout)
    : process.stderr.isTTY
      ? barReporter(process.stderr)
      : lineReporter(process.stdout);
  const summary = await prefetch(
    {
      url: f.url ?? process.env['TROVE_URL'] ?? 'http://127.0.0.1:12345',
      files,
      format: f.format,
      concurrency: Math.max(1, count('concurrency', f.concurrency, 256)),
      retries: count('retries', f.retries, 10),
      token: f.token ?? process.env['TROVE_TOKEN'],
      instances,
      platforms: f.platform.length ? f.platform : ['linux/amd64'],
    },
    report,
  );
  if (summary.failed > 0) process.exitCode = 1;
}
