// Real container engines for end-to-end pulls, each with state of its own under a temp dir:
// podman (vfs storage) and dockerd (vfs, no iptables, no bridge) with registry-mirrors.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './fake-upstream.js';
import { runCommand, type Ran } from './run.js';

export interface Podman {
  run(...args: string[]): Promise<Ran>;
  /** Removes its storage. */
  remove(): void;
}

export function podman(): Podman {
  const dir = mkdtempSync(join(tmpdir(), 'trove-podman-'));
  // Its own (empty) logins, so the machine's never mix in.
  writeFileSync(join(dir, 'auth.json'), '{}');
  const global = [
    '--root',
    join(dir, 'root'),
    '--runroot',
    join(dir, 'run'),
    '--storage-driver',
    'vfs',
    '--cgroup-manager',
    'cgroupfs',
    '--events-backend',
    'file',
  ];
  return {
    run: (...args) =>
      runCommand('podman', [...global, ...args], {
        timeoutMs: 300_000,
        env: { REGISTRY_AUTH_FILE: join(dir, 'auth.json') },
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Dockerd {
  docker(...args: string[]): Promise<Ran>;
  stop(): Promise<void>;
}

/** dockerd 20.10 on a socket of its own, with `registry-mirrors` set to the given URLs. */
export async function startDockerd(mirrors: string[]): Promise<Dockerd> {
  const dir = mkdtempSync(join(tmpdir(), 'trove-dockerd-'));
  const sock = join(dir, 'docker.sock');
  writeFileSync(
    join(dir, 'daemon.json'),
    JSON.stringify({
      'registry-mirrors': mirrors,
      'storage-driver': 'vfs',
      iptables: false,
      'ip-forward': false,
      'ip-masq': false,
      bridge: 'none',
    }),
  );
  let log = '';
  const child: ChildProcess = spawn(
    '/usr/sbin/dockerd',
    [
      '--config-file',
      join(dir, 'daemon.json'),
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--host',
      `unix://${sock}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-8000)));
  // The client keeps its logins in a config dir of its own, too.
  const docker = (...args: string[]) =>
    runCommand(
      '/usr/bin/docker',
      ['--config', join(dir, 'client'), '--host', `unix://${sock}`, ...args],
      { timeoutMs: 300_000 },
    );
  try {
    await until(async () => {
      if (child.exitCode !== null) throw new Error(`dockerd exited:\n${log}`);
      return existsSync(sock) && (await docker('version')).code === 0;
    }, 60_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`dockerd did not start: ${String(err)}\n${log}`);
  }
  return {
    docker,
    async stop() {
      // dockerd stops the containerd it started; make sure of it, by its own pid file.
      const containerd = join(dir, 'exec', 'containerd', 'containerd.pid');
      const inner = existsSync(containerd) ? Number(readFileSync(containerd, 'utf8')) : 0;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      if (inner > 0) {
        try {
          process.kill(inner, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
