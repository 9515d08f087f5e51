// Real container engines for end-to-end pulls, each with state of its own under a temp dir:
// podman (vfs storage), dockerd (vfs, no iptables, no bridge) with registry-mirrors, and
// containerd driven by ctr with a hosts.toml mirror.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
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

interface Daemon {
  /** Resolves once `check` passes; throws (with the daemon's log) if it exits or times out. */
  ready(check: () => Promise<boolean>): Promise<void>;
  /** SIGTERM, then SIGKILL after 20 s. */
  stop(): Promise<void>;
}

function spawnDaemon(cmd: string, args: string[]): Daemon {
  let log = '';
  const child: ChildProcess = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-8000)));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async (): Promise<void> => {
    if (!running()) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  return {
    async ready(check) {
      try {
        await until(async () => {
          if (!running()) throw new Error(`${cmd} exited`);
          return check();
        }, 60_000);
      } catch (err) {
        await stop();
        throw new Error(`${cmd} did not start: ${String(err)}\n${log}`);
      }
    },
    stop,
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
  const started = spawnDaemon('/usr/sbin/dockerd', [
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
  ]);
  // The client keeps its logins in a config dir of its own, too.
  const docker = (...args: string[]) =>
    runCommand(
      '/usr/bin/docker',
      ['--config', join(dir, 'client'), '--host', `unix://${sock}`, ...args],
      { timeoutMs: 300_000 },
    );
  await started.ready(async () => existsSync(sock) && (await docker('version')).code === 0);
  return {
    docker,
    async stop() {
      // dockerd stops the containerd it started; make sure of it, by its own pid file.
      const containerd = join(dir, 'exec', 'containerd', 'containerd.pid');
      const inner = existsSync(containerd) ? Number(readFileSync(containerd, 'utf8')) : 0;
      await started.stop();
      // Only if that pid is still dockerd's containerd (not a reused pid).
      const cmdline = `/proc/${inner}/cmdline`;
      if (inner > 0 && existsSync(cmdline) && readFileSync(cmdline, 'utf8').includes(dir)) {
        process.kill(inner, 'SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Containerd {
  ctr(...args: string[]): Promise<Ran>;
  /** A hosts.toml directory that sends pulls of `registry` to `mirror` (with ?ns=). */
  mirror(registry: string, mirror: string): string;
  stop(): Promise<void>;
}

/** containerd 1.6 on a socket of its own; `ctr` drives it. */
export async function startContainerd(): Promise<Containerd> {
  const dir = mkdtempSync(join(tmpdir(), 'trove-containerd-'));
  const sock = join(dir, 'containerd.sock');
  writeFileSync(
    join(dir, 'config.toml'),
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${sock}"`,
    ].join('\n'),
  );
  const started = spawnDaemon('/usr/bin/containerd', ['--config', join(dir, 'config.toml')]);
  const ctr = (...args: string[]) =>
    runCommand('ctr', ['--address', sock, ...args], { timeoutMs: 300_000 });
  await started.ready(async () => existsSync(sock) && (await ctr('version')).code === 0);
  return {
    ctr,
    mirror(registry, mirror) {
      const hosts = join(dir, 'hosts');
      mkdirSync(join(hosts, registry), { recursive: true });
      writeFileSync(
        join(hosts, registry, 'hosts.toml'),
        [
          `server = "https://${registry}"`,
          `[host."${mirror}"]`,
          '  capabilities = ["pull", "resolve"]',
        ].join('\n'),
      );
      return hosts;
    },
    async stop() {
      await started.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `docker login` to `host` with a wrong password (refused) and the right one, a pull of `ref`,
 * then logout, rmi and the same pull again (refused: unauthorized). Returns the image's
 * RepoDigests after the first pull.
 */
export async function dockerLoginCycle(
  d: Dockerd,
  host: string,
  user: { user: string; password: string },
  ref: string,
): Promise<string[]> {
  expect((await d.docker('login', '-u', user.user, '-p', 'wrong-password', host)).code).not.toBe(0);
  const login = await d.docker('login', '-u', user.user, '-p', user.password, host);
  expect(login.code, login.err).toBe(0);
  const pulled = await d.docker('pull', ref);
  expect(pulled.code, pulled.err).toBe(0);
  const digests = await d.docker('image', 'inspect', '--format', '{{json .RepoDigests}}', ref);
  expect((await d.docker('logout', host)).code).toBe(0);
  expect((await d.docker('rmi', ref)).code).toBe(0);
  const refused = await d.docker('pull', ref);
  expect(refused.code).not.toBe(0);
  expect(refused.err).toMatch(/unauthorized|authentication required/i);
  return JSON.parse(digests.out) as string[];
}

/** A dockerd started before the enclosing suite's tests and stopped after them. */
export function dockerdForSuite(): () => Dockerd {
  let d: Dockerd | undefined;
  beforeAll(async () => {
    d = await startDockerd([]);
  }, 120_000);
  afterAll(async () => {
    await d?.stop();
  });
  return () => {
    if (!d) throw new Error('dockerd did not start');
    return d;
  };
}
