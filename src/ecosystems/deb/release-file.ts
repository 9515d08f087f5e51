// A Release / InRelease file (wiki.debian.org/DebianRepository/Format#A.22Release.22_files):
// what it lists with which sizes and digests, its Date and Valid-Until, and Acquire-By-Hash.
import type { ExpectedDigest } from '../../engine/types.js';
import type { ListedFile, Listing } from '../../repos/repo-format.js';
import { checksumLines, clearSigned, paragraphs } from './control-file.js';

const SECTIONS: ReadonlyArray<[string, ExpectedDigest['algorithm'], string]> = [
  ['md5sum', 'md5', 'MD5Sum'],
  ['sha1', 'sha1', 'SHA1'],
  ['sha256', 'sha256', 'SHA256'],
  ['sha512', 'sha512', 'SHA512'],
];

/** The name apt uses for an algorithm in by-hash paths. */
export const BY_HASH_LABEL: Record<string, ExpectedDigest['algorithm']> = Object.fromEntries(
  SECTIONS.map(([, alg, label]) => [label, alg]),
);

export interface ReleaseFile extends Listing {
  byHash: boolean;
  /** The SHA256 (else strongest) section as written, to compare InRelease with Release. */
  fingerprint: string;
}

function time(v: string | undefined): number | null {
  if (!v) return null;
  const t = Date.parse(v.replace(/\bUTC$/, 'GMT'));
  return Number.isNaN(t) ? null : t;
}

export function parseRelease(body: Buffer): ReleaseFile {
  const text = clearSigned(body.toString('utf8'));
  const first = paragraphs(text).next();
  if (first.done) throw new Error('Release file has no fields');
  const p = first.value;
  const files = new Map<string, ListedFile>();
  const byHash = (p.get('acquire-by-hash') ?? '').toLowerCase() === 'yes';
  let fingerprint = '';
  for (const [field, algorithm, label] of SECTIONS) {
    const value = p.get(field);
    if (!value) continue;
    fingerprint = value;
    for (const { hex, size, name } of checksumLines(value)) {
      let f = files.get(name);
      if (!f) {
        f = { path: name, size, digests: [] };
        files.set(name, f);
      }
      if (f.size !== size) throw new Error(`Release lists ${name} with two sizes`);
      f.digests.push({ algorithm, hex });
      if (byHash && (algorithm === 'sha256' || algorithm === 'sha512')) {
        const dir = name.includes('/') ? name.slice(0, name.lastIndexOf('/') + 1) : '';
        (f.alternates ??= []).unshift(`${dir}by-hash/${label}/${hex}`);
      }
    }
  }
  if (!files.size && !p.has('suite') && !p.has('codename') && !p.has('origin')) {
    throw new Error('not a Release file');
  }
  return {
    files,
    validUntil: time(p.get('valid-until')),
    date: time(p.get('date')),
    byHash,
    fingerprint,
  };
}
