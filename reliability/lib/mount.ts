// A small tmpfs for the full-disk run (root only), and a filler file to take its space.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';

export function mountTmpfs(dir: string, size: string): (() => void) | null {
  mkdirSync(dir, { recursive: true });
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0)
    return null;
  return () => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  };
}
