// What a prefetch asks for: one package version (or image) in an ecosystem's own terms, read
// from a lockfile, an SBOM or a PURL list.

export type PrefetchEcosystem = 'go' | 'npm' | 'pypi' | 'cargo' | 'oci' | 'maven';

export interface Wanted {
  ecosystem: PrefetchEcosystem;
  /** Go module path, npm or PyPI or crate name, `groupId:artifactId`, or `registry/repo`. */
  name: string;
  /** A version, an image tag, or an image digest. */
  version: string;
  /** The file (and line or key) it came from, for messages. */
  from: string;
  /** Digests the source pins (`sha256:hex`), where it gives any. */
  hashes?: string[];
  /** Go: only the .mod file is needed (go.sum's `/go.mod` lines). Maven: the file type. */
  only?: string;
}

/** An entry a source names but prefetch cannot serve, kept for the summary. */
export interface Unusable {
  what: string;
  from: string;
  reason: string;
}

export interface Parsed {
  wanted: Wanted[];
  unusable: Unusable[];
}

/** A key that says one item twice (a lockfile lists a version once per dependent). */
export const wantedKey = (w: Wanted): string =>
  `${w.ecosystem}\0${w.name}\0${w.version}\0${w.only ?? ''}`;
