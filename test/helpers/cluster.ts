// A Trove CLI with several worker processes (node:cluster), for tests that need real workers.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { get } from './client.js';
import { freePort, until } from './fake-upstream.js';

const MAIN = join(process.cwd(), 'dist', 'cli', 'main.js');

export interface TestCluster {
  url: string;
  /** The primary's pid. */
  pid: number;
  /** Everything the cluster wrote on stdout (its JSON log lines). */
  output(): string;
  /** The worker processes alive now. */
  workers(): number[];
  /** SIGTERM, then SIGKILL after `ms`; resolves with the primary's exit code. */
  stop(ms?: number): Promise<number | null>;
}

function children(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text ? text.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** The pids of the workers that have said they are listening. */
export function listening(log: string): Set<number> {
  const pids = new Set<number>();
  for (const line of log.split('\n')) {
    if (line.includes('Trove listening')) pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

/**
 * Starts `trove serve` with `workers` workers on `config` (YAML without `server:`); with `tls`,
 * its listener serves HTTPS with that certificate.
 */
export async function startCluster(
  dir: string,
  config: string,
  workers: number,
  tls?: { cert: string; key: string; ca: string },
): Promise<TestCluster> {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run `npm run build` (npm test does)');
  const port = await freePort();
  const file = join(dir, 'trove.yaml');
  const secure = tls ? `  tls: { cert: ${tls.cert}, key: ${tls.key} }\n` : '';
  writeFileSync(
    file,
    `server:\n  listen: 127.0.0.1:${port}\n  workers: ${workers}\n${secure}${config}`,
  );
  const child: ChildProcess = spawn(process.execPath, [MAIN, 'serve', '--config', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
    // Info lines say which workers listen (and which served what): always on.
    env: { ...process.env, TROVE_LOG_LEVEL: 'info' },
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const pid = child.pid as number;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`trove exited with ${child.exitCode}:\n${out}`);
    if (listening(out).size < workers) return false;
    return (await get(`${url}/health`, { ca: tls?.ca }).catch(() => null))?.status === 200;
  }, 20_000);
  return {
    url,
    pid,
    output: () => out,
    workers: () => children(pid),
    async stop(ms = 10_000) {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
