// Real filesystem faults for tests (root only; CI runs as root): a small tmpfs that fills up,
// and a read-only bind mount over a directory. Without root the tests that need them are
// skipped with a notice, except under CI=true, where that is a failure.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (args: string[]): boolean => spawnSync(args[0] as string, args.slice(1)).status === 0;

/** Whether this process may mount (checked once with a throwaway tmpfs). */
export const canMount: boolean = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'trove-mountcheck-'));
  const ok = run(['mount', '-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
  if (ok) run(['umount', dir]);
  rmSync(dir, { recursive: true, force: true });
  if (!ok) {
    const msg = 'cannot mount (needs root) for the filesystem fault tests';
    if (process.env['CI'] === 'true') throw new Error(msg);
    console.warn(`\n!!! SKIPPING: ${msg}\n`);
  }
  return ok;
})();

export interface Mounted {
  dir: string;
  release(): void;
}

/** A fresh tmpfs of `size` (e.g. '4m'). */
export function tmpfs(size: string): Mounted {
  const dir = mkdtempSync(join(tmpdir(), 'trove-tmpfs-'));
  if (!run(['mount', '-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])) {
    throw new Error(`cannot mount a tmpfs on ${dir}`);
  }
  return {
    dir,
    release() {
      run(['umount', '-l', dir]);
      // Another test's mount namespace may hold a copy for a moment (EBUSY): retry, bounded.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };
}

/** Makes `dir` read-only through a bind mount of itself. */
export function readOnly(dir: string): Mounted {
  if (!run(['mount', '--bind', dir, dir]) || !run(['mount', '-o', 'remount,bind,ro', dir])) {
    run(['umount', dir]);
    throw new Error(`cannot make ${dir} read-only`);
  }
  return { dir, release: () => void run(['umount', '-l', dir]) };
}
