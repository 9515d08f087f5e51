// What a Linux repository format (deb, rpm, pacman, apk) tells the shared machinery: which top
// files make a root's metadata, what they list with which digests, where a listed file can be
// fetched, and which files list packages. Protocol knowledge only; no I/O.
import type { BodyView, ExpectedDigest } from '../engine/types.js';

/** A file a top file lists, relative to the root, with the size and digests it must have. */
export interface ListedFile {
  path: string;
  size: number;
  digests: ExpectedDigest[];
  /** Paths relative to the root to try before `path` upstream (apt's by-hash names). */
  alternates?: string[];
  /**
   * What the file is, when its name changes with every publication (RPM's checksum-named
   * repodata: `primary`): a root remembers what its clients use by this, else by path.
   */
  kind?: string;
}

/** How a root remembers that its clients use a listed file. */
export const wantKey = (f: ListedFile): string => f.kind ?? f.path;

/** The files of a listing that a root's clients use. */
export function wantedFiles(listing: Listing, wanted: readonly string[]): ListedFile[] {
  const keys = new Set(wanted);
  return [...listing.files.values()].filter((f) => keys.has(wantKey(f)));
}

export interface Listing {
  /** Listed files by path relative to the root. */
  files: ReadonlyMap<string, ListedFile>;
  validUntil: number | null;
  date: number | null;
}

/** A package a package index lists, by its path below the archive base. */
export interface PackageRef {
  path: string;
  size: number;
  digests: ExpectedDigest[];
}

export interface RepoFormat {
  /**
   * The top files of a root, in the order they are fetched from one upstream. The first one the
   * current generation holds is asked for conditionally: a 304 means the root is unchanged.
   */
  topNames(root: string): readonly string[];
  /**
   * Reads the fetched top files (absent ones were 404). Null means the root does not exist;
   * throwing refuses an inconsistent set (a transient failure: the old generation stays).
   */
  parseTop(
    root: string,
    bodies: ReadonlyMap<string, Buffer>,
  ): Listing | null | Promise<Listing | null>;
  /**
   * For a listed or top file that lists packages, the variant Trove reads them from (one it
   * can decompress, listed in the same set); null for other files.
   */
  packageSource(path: string, listing: Listing): string | null;
  /** The packages a package index lists, a batch at a time. */
  readPackages(path: string, body: Buffer): AsyncIterable<PackageRef[]>;
  /** Directories package paths may be relative to, for a root (deb: the part before dists/). */
  archiveBases(root: string): string[];
  /**
   * Where a file named relative to a root lives below the instance; `root/rel` when absent.
   * (A pacman root is `<dir>/<repo>`, and its files sit in `<dir>`.)
   */
  locate?(root: string, rel: string): string;
  /**
   * The package a companion file belongs to (pacman's `<package>.sig`), for companions the
   * package lists do not name with a digest: kept once that package is listed, and keyed by
   * the package's digest, so a rebuilt package never meets its predecessor's companion.
   */
  companion?(path: string): string | null;
  /**
   * How to check a listed package whose listed digest is not of the whole file (apk's `C:` is
   * the digest of one gzip member): the whole-file digests to expect, and a check of the
   * complete body. Absent: the listed digests are the whole file's.
   */
  packageCheck?(ref: PackageRef): PackageCheck;
}

export interface PackageCheck {
  digests: ExpectedDigest[];
  verify?(body: BodyView): Promise<void>;
}

export const joinPath = (root: string, rel: string): string => (root ? `${root}/${rel}` : rel);

/** The format's `locate`, or `root/rel`. */
export function locator(format: RepoFormat): (root: string, rel: string) => string {
  const own = format.locate?.bind(format);
  return own ?? joinPath;
}
