// Transparency-log proofs over tiles (golang.org/x/mod/sumdb/tlog, RFC 6962 hashing): checks
// that a record is in the tree whose size and root hash a signed note states. Hashes come from
// tiles of height 8 fetched (and cached) by the caller; a tile that lies changes the computed
// root, so nothing fetched needs to be trusted.
import { createHash } from 'node:crypto';

export const TILE_HEIGHT = 8;
const TILE_WIDTH = 1 << TILE_HEIGHT;
const HASH = 32;

export function recordHash(data: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from([0]))
    .update(data)
    .digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest();
}

/** "tile/8/<level>/<index>[.p/<width>]", the index written in x-prefixed groups of three digits. */
export function tilePath(level: number, index: number, width: number): string {
  let n = String(index).padStart(3, '0');
  const groups: string[] = [];
  while (n.length > 3) {
    groups.unshift(n.slice(-3));
    n = n.slice(0, -3);
  }
  const path = [`${n.padStart(3, '0')}`, ...groups].map((g, i, all) =>
    i < all.length - 1 ? `x${g}` : g,
  );
  const partial = width < TILE_WIDTH ? `.p/${width}` : '';
  return `tile/${TILE_HEIGHT}/${level}/${path.join('/')}${partial}`;
}

export type TileReader = (path: string) => Promise<Buffer>;

/** Parses "go.sum database tree\n<size>\n<base64 root>\n". */
export function parseTree(text: string): { size: number; root: Buffer } | null {
  const m = /^go\.sum database tree\n(\d+)\n([A-Za-z0-9+/=]+)\n/.exec(text);
  if (!m) return null;
  const root = Buffer.from(m[2] as string, 'base64');
  const size = Number(m[1]);
  if (root.length !== HASH || !Number.isSafeInteger(size)) return null;
  return { size, root };
}

/**
 * Whether the record `id` with hash `leaf` is in the tree of `size` records with `root`.
 * Reads the tiles holding the sibling subtrees' hashes.
 */
export async function proveInclusion(
  id: number,
  leaf: Buffer,
  size: number,
  root: Buffer,
  readTile: TileReader,
): Promise<boolean> {
  if (id < 0 || id >= size) return false;
  const tiles = new Map<string, Promise<Buffer>>();
  const tile = (level: number, index: number, width: number): Promise<Buffer> => {
    const path = tilePath(level, index, width);
    let t = tiles.get(path);
    if (!t) {
      t = readTile(path).then((buf) => {
        if (buf.length !== width * HASH) throw new Error(`${path}: ${buf.length} bytes`);
        return buf;
      });
      tiles.set(path, t);
    }
    return t;
  };
  // The hash of the complete subtree of 2^level records starting at index << level.
  const hashAt = async (level: number, index: number): Promise<Buffer> => {
    const tileLevel = Math.floor(level / TILE_HEIGHT);
    const base = tileLevel * TILE_HEIGHT;
    const span = 2 ** (level - base);
    const start = index * span;
    const tileIndex = Math.floor(start / TILE_WIDTH);
    const stored = Math.floor(size / 2 ** base);
    const width = Math.min(TILE_WIDTH, stored - tileIndex * TILE_WIDTH);
    const t = await tile(tileLevel, tileIndex, width);
    const off = start - tileIndex * TILE_WIDTH;
    let layer: Buffer[] = [];
    for (let i = 0; i < span; i++) layer.push(t.subarray((off + i) * HASH, (off + i + 1) * HASH));
    while (layer.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i < layer.length; i += 2)
        next.push(nodeHash(layer[i] as Buffer, layer[i + 1] as Buffer));
      layer = next;
    }
    return layer[0] as Buffer;
  };
  // RFC 6962 MTH over records [lo, hi), using stored hashes for subtrees without `id`.
  const mth = async (lo: number, hi: number): Promise<Buffer> => {
    const n = hi - lo;
    if (n === 1 && lo === id) return leaf;
    const aligned = (n & (n - 1)) === 0 && lo % n === 0;
    if (aligned && (id < lo || id >= hi)) return hashAt(Math.log2(n), lo / n);
    let k = 1;
    while (k * 2 < n) k *= 2;
    const [left, right] = await Promise.all([mth(lo, lo + k), mth(lo + k, hi)]);
    return nodeHash(left, right);
  };
  return (await mth(0, size)).equals(root);
}
