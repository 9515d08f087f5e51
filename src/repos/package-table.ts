// The packages one package index lists, looked up by file name. Parsed once per index body
// (its content key) and kept in a small LRU, so a package hit costs a map lookup.
import type { PackageRef } from './repo-format.js';

export type PackageTable = ReadonlyMap<string, readonly PackageRef[]>;

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Normalized package path: no `./` segments, no leading slash. */
export function cleanPath(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

export function tableOf(refs: readonly PackageRef[]): PackageTable {
  const t = new Map<string, PackageRef[]>();
  for (const r of refs) {
    const ref = { ...r, path: cleanPath(r.path) };
    const name = baseName(ref.path);
    const list = t.get(name);
    if (list) list.push(ref);
    else t.set(name, [ref]);
  }
  return t;
}

/** The listed package whose path, below `base`, is `path` (relative to the instance). */
export function findPackage(
  table: PackageTable,
  base: string,
  path: string,
): PackageRef | undefined {
  const list = table.get(baseName(path));
  if (!list) return undefined;
  return list.find((r) => (base ? `${base}/${r.path}` : r.path) === path);
}

export class TableCache {
  readonly #max: number;
  readonly #tables = new Map<string, Promise<PackageTable>>();

  constructor(max = 8) {
    this.#max = max;
  }

  get(key: string, parse: () => Promise<PackageTable>): Promise<PackageTable> {
    const hit = this.#tables.get(key);
    if (hit) {
      this.#tables.delete(key);
      this.#tables.set(key, hit);
      return hit;
    }
    const p = parse();
    this.#tables.set(key, p);
    // A failed parse is not remembered: the next request tries again.
    p.catch(() => {
      if (this.#tables.get(key) === p) this.#tables.delete(key);
    });
    if (this.#tables.size > this.#max) {
      const oldest = this.#tables.keys().next().value;
      if (oldest !== undefined) this.#tables.delete(oldest);
    }
    return p;
  }
}
