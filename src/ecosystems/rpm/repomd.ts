// repodata/repomd.xml: the data files of an RPM repository (primary, filelists, other, their
// sqlite and zchunk forms, updateinfo, comps, modules, prestodelta), each with its location,
// size and checksum of any type, and the repository's time.
import type { ExpectedDigest } from '../../engine/types.js';
import type { ListedFile, Listing } from '../../repos/repo-format.js';
import { checksumOf, countOf, xmlFeeder } from './rpm-xml.js';

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
  let seenRoot = false;
  let cur: RepomdEntry | null = null;
  let field: string | null = null;
  let checksumType: string | undefined;
  let text = '';
  const feeder = xmlFeeder({
    open(name, attrs) {
      if (name === 'repomd') seenRoot = true;
      else if (name === 'data') {
        const type = attrs['type'] ?? '';
        cur = { type, href: '', size: null, digest: null, timestamp: null, base: null };
      } else if (cur && name === 'location') {
        cur.href = attrs['href'] ?? '';
        cur.base = attrs['xml:base'] ?? null;
      } else if (cur && (name === 'checksum' || name === 'size' || name === 'timestamp')) {
        field = name;
        checksumType = attrs['type'];
        text = '';
      }
    },
    text(t) {
      if (field) text += t;
    },
    close(name) {
      const c = cur as RepomdEntry | null;
      if (c && name === field) {
        if (name === 'checksum') c.digest = checksumOf(checksumType, text);
        else if (name === 'size') c.size = countOf(text);
        else c.timestamp = countOf(text);
        field = null;
      } else if (c && name === 'data') {
        entries.push(c);
        cur = null;
      }
    },
  });
  feeder.write(body);
  feeder.end();
  if (!seenRoot) throw new Error('repomd.xml is not a <repomd> document');
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
