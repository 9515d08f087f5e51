// The RPM repository format for the shared machinery: a root is the directory that holds
// repodata/; repomd.xml (with its .asc signature and .key) is the top of a generation and
// lists the data files; primary lists the packages and prestodelta the delta packages, by
// paths below the root.
import type { Listing, RepoFormat } from '../../repos/repo-format.js';
import { listKind, readPackageList, readableList } from './primary.js';
import { repomdListing } from './repomd.js';

export const REPOMD = 'repodata/repomd.xml';
export const TOP_NAMES = [REPOMD, `${REPOMD}.asc`, `${REPOMD}.key`] as const;

/** A listed file Trove can read the same kind of list from (primary.xml.gz for primary.xml.zck). */
function readableVariant(path: string, listing: Listing): string | null {
  const kind = listKind(path);
  if (!kind) return null;
  if (readableList(path) && listing.files.has(path)) return path;
  for (const p of listing.files.keys()) if (listKind(p) === kind && readableList(p)) return p;
  return null;
}

export const rpmFormat: RepoFormat = {
  topNames: () => TOP_NAMES,

  parseTop(_root, bodies) {
    const repomd = bodies.get(REPOMD);
    return repomd ? repomdListing(repomd) : null;
  },

  packageSource: readableVariant,
  readPackages: readPackageList,
  archiveBases: (root) => [root],
};
