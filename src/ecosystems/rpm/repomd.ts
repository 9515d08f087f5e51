// repodata/repomd.xml: the data files of an RPM repository (primary, filelists, other, their
// sqlite and zchunk forms, updateinfo, comps, modules, prestodelta), each with its location,
// size and checksum of any type, and the repository's time.
import type { ExpectedDigest } from '../../engine/types.js';
import type { ListedFile, Listing } from '../../repos/repo-format.js';
import { checksumOf, countOf, recordFeeder } from './rpm-xml.js';

export interface RepomdEntry {
  type: string;
  href: string;
  size: number | null;
  digest: ExpectedDigest | null;
  timestamp: number | null;
  /** Set when `xml:base` puts the file on another server: it is not Trove's to fetch. */
  base: string | null;
}

/** The `<data>` entries of a repomd.xml; throws when the body is not one. */
export function parseRepomd(body: Buffer): RepomdEntry[] {
  const entries: RepomdEntry[] = [];
  const feeder = recordFeeder(['data'], ['checksum', 'location', 'size', 'timestamp'], (r) => {
    const f = (name: string) => r.fields.get(name);
    const location = f('location')?.attrs;
    const checksum = f('checksum');
    entries.push({
      type: r.attrs['type'] ?? '',
      href: location?.['href'] ?? '',
      base: location?.['xml:base'] ?? null,
      digest: checksum ? checksumOf(checksum.attrs['type'], checksum.text) : null,
      size: countOf(f('size')?.text),
      timestamp: countOf(f('timestamp')?.text),
    });
  });
  feeder.write(body);
  feeder.end();
  if (feeder.root() !== 'repomd') throw new Error('repomd.xml is not a <repomd> document');
  return entries;
}

/** Clean relative paths only: nothing that climbs out of the root or names another host. */
const usable = (href: string): boolean =>
  href !== '' && !href.startsWith('/') && !href.includes('://') && !href.split('/').includes('..');

/** What a repomd.xml lists, as the shared machinery reads it. */
export function repomdListing(body: Buffer): Listing {
  const files = new Map<string, ListedFile>();
  let date: number | null = null;
  for (const e of parseRepomd(body)) {
    if (e.timestamp !== null) date = Math.max(date ?? 0, e.timestamp * 1000);
    if (e.base || !usable(e.href) || e.size === null || !e.digest) continue;
    files.set(e.href, { path: e.href, size: e.size, digests: [e.digest], kind: e.type });
  }
  return { files, validUntil: null, date };
}
