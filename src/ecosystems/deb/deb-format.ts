// The deb repository format for the shared machinery: a suite's (or a flat repository's)
// InRelease, Release and Release.gpg form a generation; Release lists the indexes; Packages
// and Sources list the packages, below the archive base (the directory above dists/).
import type { Listing, RepoFormat } from '../../repos/repo-format.js';
import { indexBase, readIndex, readable } from './packages-file.js';
import { parseRelease, type ReleaseFile } from './release-file.js';

export const TOP_NAMES = ['InRelease', 'Release', 'Release.gpg'] as const;

/** The archive base of a root: `debian` for `debian/dists/bookworm`; a flat root and its parents. */
export function archiveBases(root: string): string[] {
  const at = `/${root}`.lastIndexOf('/dists/');
  if (at !== -1) return [root.slice(0, Math.max(0, at - 1))];
  const out: string[] = [];
  for (let p = root; ; p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
    out.push(p);
    if (!p) return out;
  }
}

export const debFormat: RepoFormat = {
  topNames: () => TOP_NAMES,

  parseTop(_root, bodies) {
    const inRelease = bodies.get('InRelease');
    const release = bodies.get('Release');
    if (!inRelease && !release) return null;
    const signed = inRelease ? parseRelease(inRelease) : undefined;
    const plain = release ? parseRelease(release) : undefined;
    // Fetched a moment apart, the two can come from two different syncs of the mirror.
    if (signed && plain && signed.fingerprint !== plain.fingerprint) {
      throw new Error('InRelease and Release list different files (the mirror is mid-sync)');
    }
    return (signed ?? plain) as ReleaseFile;
  },

  packageSource(path: string, listing: Listing): string | null {
    const base = indexBase(path);
    if (base === null) return null;
    if (readable(path)) return path;
    return (
      [`${base}.xz`, `${base}.gz`, `${base}.zst`, base].find((p) => listing.files.has(p)) ?? null
    );
  },

  readPackages: readIndex,
  archiveBases,
};
