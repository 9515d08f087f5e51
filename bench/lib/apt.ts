// apt workloads: an apt-ftparchive archive on loopback is the upstream of both Trove and
// apt-cacher-ng 3.7 (Debian's package, unpacked under .work so no service starts).
//   W5-apt: `apt-get update` then `apt-get download` of every package into a fresh apt state,
//   cold and warm
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AptRepo, aptArgs } from '../../test/helpers/apt-repo.js';
import { start, timed, waitForPort } from './proc.js';

export { AptRepo };

/** The large package of W1-apt, below the archive root. */
export const BIG_DEB = 'pool/main/b/bench-big/bench-big_1.0_all.deb';

/**
 * An archive of `n` packages of 16–272 KiB (incompressible), by-hash, in suite `stable`, plus
 * one package of `bigBytes` (BIG_DEB).
 */
export async function aptArchive(
  n: number,
  bigBytes: number,
): Promise<{ repo: AptRepo; names: string[] }> {
  const repo = await AptRepo.create();
  repo.build({ name: 'bench-big', version: '1.0', filler: bigBytes });
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const name = `bench-pkg-${String(i).padStart(3, '0')}`;
    repo.build({ name, version: '1.0', filler: (16 + ((i * 37) % 257)) * 1024 });
    names.push(name);
  }
  repo.publish('stable', { byHash: true, validFor: 86_400 });
  // apt-cacher-ng 3.7 handles no port above 32767 (neither its own nor AllowUserPorts).
  return { repo: await repo.serve(undefined, await freeLowPort()), names };
}

/**
 * apt-cacher-ng from Debian's package, unpacked into `dir` (its libraries must be installed:
 * `apt-get install libevent-2.1-7 libevent-pthreads-2.1-7 libc-ares2 libfuse2 libwrap0`).
 * Returns undefined with a reason when it cannot run here.
 */
export function acngBinary(dir: string): { root: string } | { skip: string } {
  const root = join(dir, 'root');
  const bin = join(root, 'usr', 'sbin', 'apt-cacher-ng');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    const got = spawnSync('apt-get', ['download', 'apt-cacher-ng'], { cwd: dir });
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (got.status !== 0 || !deb) return { skip: 'apt-get download apt-cacher-ng failed' };
    execFileSync('dpkg-deb', ['-x', join(dir, deb), root]);
  }
  const libs = join(root, 'usr', 'lib', 'x86_64-linux-gnu');
  const ldd = spawnSync('ldd', [bin], { env: { LD_LIBRARY_PATH: libs }, encoding: 'utf8' });
  if (/not found/.test(ldd.stdout ?? '')) {
    return {
      skip: `apt-cacher-ng lacks libraries: ${(ldd.stdout.match(/\S+ => not found/g) ?? []).join(', ')}`,
    };
  }
  return { root };
}

/** Starts apt-cacher-ng on a free port, allowed to reach `upstreamPort`. */
export async function startAcng(
  root: string,
  dir: string,
  upstreamPort: number,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freeLowPort();
  for (const d of ['cache', 'log']) mkdirSync(join(dir, d), { recursive: true });
  const child = start(
    join(root, 'usr', 'sbin', 'apt-cacher-ng'),
    [
      '-c',
      join(root, 'etc', 'apt-cacher-ng'),
      'ForeGround=1',
      `Port=${port}`,
      'BindAddress=127.0.0.1',
      `CacheDir=${join(dir, 'cache')}`,
      `LogDir=${join(dir, 'log')}`,
      `SupportDir=${join(root, 'usr', 'lib', 'apt-cacher-ng')}`,
      // Non-80 upstream ports are refused unless allowed.
      `AllowUserPorts=80 ${upstreamPort}`,
    ],
    join(dir, 'acng.log'),
    { ...process.env, LD_LIBRARY_PATH: join(root, 'usr', 'lib', 'x86_64-linux-gnu') },
  );
  await waitForPort(port);
  return { child, port };
}

/** A free port below 32768: apt-cacher-ng 3.7 cannot use a higher one ("Error resolving address"). */
async function freeLowPort(): Promise<number> {
  const { createServer } = await import('node:net');
  for (let i = 0; i < 50; i++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const s = createServer();
    const ok = await new Promise<boolean>((r) => {
      s.once('error', () => r(false));
      s.listen(port, '127.0.0.1', () => r(true));
    });
    if (ok) {
      await new Promise((r) => s.close(r));
      return port;
    }
  }
  throw new Error('no free port below 32768');
}

/** Seconds for `apt-get update` plus `apt-get download` of `names` into a fresh apt state. */
export async function aptFetch(
  work: string,
  base: string,
  keyring: string,
  names: readonly string[],
  run: number,
  proxy?: string,
): Promise<number> {
  const dir = join(work, `apt-${run}`);
  rmSync(dir, { recursive: true, force: true });
  const args = aptArgs(dir);
  if (proxy) args.push('-o', `Acquire::http::Proxy=${proxy}`);
  writeFileSync(
    join(dir, 'etc', 'sources.list'),
    `deb [signed-by=${keyring}] ${base} stable main\n`,
  );
  const update = await timed('apt-get', [...args, 'update'], { cwd: dir, what: 'apt-get update' });
  const download = await timed('apt-get', [...args, 'download', ...names], {
    cwd: dir,
    what: 'apt-get download',
  });
  rmSync(dir, { recursive: true, force: true });
  return update + download;
}
