// Trove as a real child process for the reliability runs: started on a config, killed with
// SIGKILL or stopped with SIGTERM by PID, its RSS sampled from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, waitForPort } from '../../bench/lib/proc.js';

export { freePort, rss, run, sleep } from '../../bench/lib/proc.js';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..', '..', '..');
export const MAIN = join(ROOT, 'dist', 'cli', 'main.js');
export const WORK = join(ROOT, 'reliability', '.work');

export interface TroveProcess {
  child: ChildProcess;
  url: string;
  port: number;
  /** Whether it exited on its own (a crash), with the code or signal. */
  crashed(): string | null;
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Trove with `yaml` (its listen address is added) in `dir`; the log goes to dir/trove.log.
 * `port` reuses a port across restarts.
 */
export async function startTrove(dir: string, yaml: string, port?: number): Promise<TroveProcess> {
  mkdirSync(dir, { recursive: true });
  const p = port ?? (await freePort());
  const cfg = join(dir, 'trove.yaml');
  // One process: the harness reads RSS and descriptors of the pid it started, and kill -9s it.
  const server = `server:\n  listen: 127.0.0.1:${p}\n  shutdown_timeout: 5s\n  workers: 1\n`;
  writeFileSync(cfg, `${server}${yaml}`);
  const out = openSync(join(dir, 'trove.log'), 'a');
  const child = spawn(process.execPath, [MAIN, 'serve', '--config', cfg], {
    stdio: ['ignore', out, out],
  });
  let exit: string | null = null;
  let expected = false;
  child.once('exit', (code, signal) => {
    if (!expected) exit = `exited with ${signal ?? code}`;
  });
  await waitForPort(p, 15_000);
  const ended = (): Promise<void> =>
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise((r) => child.once('exit', () => r()));
  return {
    child,
    port: p,
    url: `http://127.0.0.1:${p}`,
    crashed: () => exit,
    async kill9() {
      expected = true;
      child.kill('SIGKILL');
      await ended();
    },
    async stop() {
      expected = true;
      const done = ended();
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(timer);
    },
  };
}

export const MiB = 1024 * 1024;
export const mib = (n: number): string => (n / MiB).toFixed(1);
