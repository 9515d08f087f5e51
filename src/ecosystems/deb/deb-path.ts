// Where a request path sits in a Debian archive: a root's top file, a by-hash name, a file
// below a suite (or flat repository) root, or anything else (packages, mirror extras).
import { BY_HASH_LABEL } from './release-file.js';
import { TOP_NAMES } from './deb-format.js';
import type { RepoPlace } from '../common/repo-instance.js';

const BY_HASH = /^(?:(.*)\/)?by-hash\/(MD5Sum|SHA1|SHA256|SHA512)\/([0-9a-fA-F]+)$/;
const HEX_LENGTH: Record<string, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

const dirOf = (p: string): string => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '');
const baseOf = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** `debian/dists/bookworm` for any path below that suite directory, else undefined. */
function suiteRoot(path: string): string | undefined {
  const segs = path.split('/');
  const k = segs.indexOf('dists');
  return k !== -1 && k + 2 < segs.length ? segs.slice(0, k + 2).join('/') : undefined;
}

const within = (root: string, path: string): boolean =>
  root === '' ? true : path.startsWith(`${root}/`);
const relative = (root: string, path: string): string =>
  root === '' ? path : path.slice(root.length + 1);

/**
 * `known` are the roots discovered so far, longest first: a path below one of them belongs to
 * it, whatever its depth (a suite such as `stretch/updates` has a slash in it).
 */
export function placeOf(path: string, known: readonly string[]): RepoPlace {
  const rootFor = (p: string): string | undefined =>
    known.find((r) => within(r, p)) ?? suiteRoot(p);
  const hashed = BY_HASH.exec(path);
  if (hashed) {
    const label = hashed[2] as string;
    const algorithm = BY_HASH_LABEL[label];
    const hex = (hashed[3] as string).toLowerCase();
    if (!algorithm || hex.length !== HEX_LENGTH[algorithm]) return { kind: 'other' };
    const dir = hashed[1] ?? '';
    const root = rootFor(path) ?? dir;
    return {
      kind: 'by-hash',
      root,
      dir: dir === root ? '' : relative(root, dir),
      digest: { label, algorithm, hex },
    };
  }
  const name = baseOf(path);
  const dir = dirOf(path);
  // InRelease is never listed; Release below a suite can be (a component's Release file).
  const suite = suiteRoot(path);
  if (
    name === 'InRelease' ||
    (TOP_NAMES.includes(name as never) &&
      (known.includes(dir) || suite === undefined || suite === dir))
  ) {
    return { kind: 'top', root: dir, name };
  }
  const root = rootFor(path);
  if (root !== undefined) return { kind: 'member', root, rel: relative(root, path) };
  return { kind: 'other' };
}
