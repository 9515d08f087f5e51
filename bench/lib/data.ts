// Benchmark data: large random files and many small ones, made once and reused.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export function bigFile(path: string, bytes: number): void {
  if (existsSync(path) && statSync(path).size === bytes) return;
  const fd = openSync(path, 'w');
  const chunk = randomBytes(8 * 1024 * 1024);
  for (let written = 0; written < bytes;) {
    const n = Math.min(chunk.length, bytes - written);
    writeSync(fd, chunk, 0, n);
    chunk[0] = (chunk[0] as number) ^ 1; // not one repeated block
    written += n;
  }
  closeSync(fd);
}

/** n files of 1–20 KiB under dir/small; returns their paths relative to dir. */
export function smallFiles(dir: string, n: number): string[] {
  mkdirSync(join(dir, 'small'), { recursive: true });
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const rel = `small/f${i}.bin`;
    const path = join(dir, rel);
    if (!existsSync(path)) writeFileSync(path, randomBytes(1024 + ((i * 7919) % (19 * 1024))));
    paths.push(rel);
  }
  return paths;
}
