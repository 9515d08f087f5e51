// PyPI workloads: a PyPI-like index on loopback (pages and JSON API on one server, files on a
// second) is Trove's upstream, and nginx serves Trove's own answers as a static tree.
//   W2-pypi: warm hits on a project page with 2,000 files, HTML and JSON, 64 connections
//   W5-pypi: `pip download` of a 20-project tree, cold and warm, vs the static tree
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { wheel, type Dist } from '../../test/helpers/pypi-dists.js';
import { timed } from './proc.js';

export { PypiIndex } from '../../test/helpers/pypi-index.js';

export const TREE = 20;
export const pdep = (i: number): string => `pdep-${String(i).padStart(2, '0')}`;

/** A project with `n` files (page entries only: their bytes are a few dozen each). */
export function bigProject(n: number): Dist[] {
  return Array.from({ length: n }, (_, i) => {
    const version = `1.${Math.floor(i / 4)}.${i % 4}`;
    const data = Buffer.from(`big ${version} file ${i}\n`);
    const d: Dist = {
      project: 'big',
      version,
      filename: `big-${version}-py3-none-any.whl`,
      data,
      sha256: createHash('sha256').update(data).digest('hex'),
      metadata: Buffer.from(`Metadata-Version: 2.1\nName: big\nVersion: ${version}\n`),
      requiresPython: '>=3.8',
      uploadTime: '2024-01-02T03:04:05.000000Z',
    };
    return d;
  });
}

/** A binary tree of wheels: pdep-00 needs pdep-01 and pdep-02, and so on. */
export async function pipTree(): Promise<Dist[]> {
  const out: Dist[] = [];
  for (let i = 0; i < TREE; i++) {
    const requires = [2 * i + 1, 2 * i + 2].filter((c) => c < TREE).map(pdep);
    out.push(await wheel(pdep(i), '1.0', { requires }));
  }
  return out;
}

/** Seconds for `pip download` of the tree into a new directory with an empty cache. */
export async function pipDownload(work: string, index: string, run: number): Promise<number> {
  const dir = join(work, `pip-${run}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const args = ['-m', 'pip', 'download', '-q', '-d', join(dir, 'out')];
  args.push('--cache-dir', join(dir, 'cache'), '-i', index, pdep(0));
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
  };
  try {
    return await timed('python3', args, { env, what: 'pip download' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
