// The tarballs a packument lists, with their checksums and real URLs: a small document derived
// from the cached packument, read before a tarball fill starts (so a tarball is verified
// against `dist.integrity` on ingest, and fetched from wherever the registry keeps it).
import type { Transform } from '../../derive/derived-origin.js';
import { JsonScanner } from '../../derive/json-scan.js';
import type { ExpectedDigest } from '../../engine/types.js';
import { tarballFile } from './tarball-url.js';

export interface DistEntry {
  /** The absolute URL the packument gives. */
  url: string;
  integrity?: string;
  shasum?: string;
}

export type DistList = Record<string, DistEntry>;

export function distList(emit: (b: Buffer) => void, upstreamUrl: string): Transform {
  const files: DistList = {};
  const scanner = new JsonScanner({
    descend: (p) => p[0] === 'versions' && p.length <= 2,
    capture: (p) => p.length === 3 && p[2] === 'dist',
    onMember(m) {
      if (!m.raw || m.path.length !== 3) return;
      const d = JSON.parse(m.raw.toString('utf8')) as Record<string, unknown>;
      if (typeof d['tarball'] !== 'string') return;
      const file = tarballFile(d['tarball'], upstreamUrl);
      if (!file) return;
      const entry: DistEntry = { url: new URL(d['tarball'], upstreamUrl).href };
      if (typeof d['integrity'] === 'string') entry.integrity = d['integrity'];
      if (typeof d['shasum'] === 'string') entry.shasum = d['shasum'];
      files[file] = entry;
    },
  });
  return {
    write: (chunk) => scanner.push(chunk),
    end() {
      scanner.end();
      emit(Buffer.from(JSON.stringify(files)));
    },
  };
}

const SRI = /^(sha512|sha256|sha1)-([A-Za-z0-9+/]+={0,2})$/;

/**
 * The digests to check a tarball against: every SRI hash npm would check (sha512, or sha1
 * for old packages), and the hex `shasum` when present.
 */
export function tarballDigests(e: DistEntry): ExpectedDigest[] {
  const out: ExpectedDigest[] = [];
  for (const part of (e.integrity ?? '').split(/\s+/)) {
    const m = SRI.exec(part);
    if (!m) continue;
    const algorithm = m[1] as 'sha512' | 'sha256' | 'sha1';
    out.push({ algorithm, hex: Buffer.from(m[2] as string, 'base64').toString('hex') });
  }
  if (e.shasum && /^[0-9a-f]{40}$/i.test(e.shasum)) {
    out.push({ algorithm: 'sha1', hex: e.shasum.toLowerCase() });
  }
  return out;
}
