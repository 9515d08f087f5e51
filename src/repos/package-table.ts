// The packages one package index lists, looked up by file name. Parsed once per index body
// (its content key) and kept in a small LRU, so a package hit costs a map lookup. Compact:
// Debian's main lists 63,000 packages, so a row is a path, a size and the strongest digest,
// with every string copied out of the parsed text (a substring would keep all of it alive).
import type { ExpectedDigest } from '../engine/types.js';
import type { PackageRef } from './repo-format.js';

const STRENGTH: ReadonlyArray<ExpectedDigest['algorithm']> = ['sha512', 'sha256', 'sha1', 'md5'];

const baseName = (p: string): string => p.slice(p.lastIndexOf('/') + 1);
/** A copy of a string that shares no memory with the text it was cut from. */
const own = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

/** Normalized package path: no `./` segments, no leading slash. */
export function cleanPath(p: string): string {
  return p
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

export class PackageTable {
  readonly #rows = new Map<string, number | number[]>();
  readonly #paths: string[] = [];
  readonly #sizes: number[] = [];
  readonly #digests: ExpectedDigest[] = [];

  /** A table of every batch (the batches are dropped as they are added). */
  static async from(batches: AsyncIterable<readonly PackageRef[]>): Promise<PackageTable> {
    const t = new PackageTable();
    for await (const batch of batches) t.add(batch);
    return t;
  }

  add(refs: readonly PackageRef[]): void {
    for (const r of refs) {
      const best = STRENGTH.map((a) => r.digests.find((d) => d.algorithm === a)).find(Boolean);
      if (!best) continue;
      const row = this.#paths.length;
      const path = own(cleanPath(r.path));
      this.#paths.push(path);
      this.#sizes.push(r.size);
      this.#digests.push({ algorithm: best.algorithm, hex: own(best.hex) });
      const name = own(baseName(path));
      const seen = this.#rows.get(name);
      if (seen === undefined) this.#rows.set(name, row);
      else if (typeof seen === 'number') this.#rows.set(name, [seen, row]);
      else seen.push(row);
    }
  }

  get size(): number {
    return this.#paths.length;
  }

  /** The listed package whose path, below `base`, is `path` (relative to the instance). */
  find(base: string, path: string): PackageRef | undefined {
    const rows = this.#rows.get(baseName(path));
    if (rows === undefined) return undefined;
    for (const row of typeof rows === 'number' ? [rows] : rows) {
      const listed = this.#paths[row] as string;
      if ((base ? `${base}/${listed}` : listed) === path) {
        return {
          path: listed,
          size: this.#sizes[row] as number,
          digests: [this.#digests[row] as ExpectedDigest],
        };
      }
    }
    return undefined;
  }
}

export class TableCache {
  readonly #max: number;
  readonly #tables = new Map<string, Promise<PackageTable>>();

  constructor(max = 6) {
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
