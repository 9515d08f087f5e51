// APKINDEX.tar.gz (apk-tools 2): a signature member and an index member, each a gzip stream
// holding a tar segment; the index's APKINDEX lists packages as blank-line separated records
// of `K:value` lines. A package is `<P>-<V>.apk` beside the index, of `S` bytes, identified by
// `C:Q1<base64 sha1>` (or `Q2`, sha256) of its control member.
import type { ExpectedDigest } from '../../engine/types.js';
import type { PackageRef } from '../../repos/repo-format.js';
import { tarFiles } from '../../repos/tar-entries.js';
import { memberAt } from './gzip-members.js';

export interface ApkIndex {
  /** The name of the signature file (`.SIGN.RSA.<key>.rsa.pub`), if the index is signed. */
  signature: string | null;
  text: string;
}

/** The index text of an APKINDEX.tar.gz; throws when the body is not one. */
export async function readApkIndex(body: Buffer): Promise<ApkIndex> {
  let signature: string | null = null;
  const wanted = (n: string): boolean => n.startsWith('.SIGN.') || n === 'APKINDEX';
  for (let at = 0; at < body.length;) {
    const m = memberAt(body, at);
    for await (const e of tarFiles(m.data, 'none', wanted)) {
      if (e.name === 'APKINDEX') return { signature, text: e.body.toString('utf8') };
      signature = e.name;
    }
    at = m.end;
  }
  throw new Error('APKINDEX.tar.gz holds no APKINDEX');
}

/** A `C:` value as the digest of a control member, or null. */
export function controlDigest(c: string | undefined): ExpectedDigest | null {
  const m = /^Q([12])([A-Za-z0-9+/]+=*)$/.exec(c ?? '');
  if (!m) return null;
  const raw = Buffer.from(m[2] as string, 'base64');
  const algorithm = m[1] === '1' ? 'sha1' : 'sha256';
  if (raw.length !== (algorithm === 'sha1' ? 20 : 32)) return null;
  return { algorithm, hex: raw.toString('hex') };
}

/** The packages an APKINDEX lists. */
export function apkRefs(text: string): PackageRef[] {
  const out: PackageRef[] = [];
  for (const record of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of record.split('\n')) {
      if (line[1] === ':') f.set(line[0] as string, line.slice(2));
    }
    const name = f.get('P');
    const version = f.get('V');
    const size = Number(f.get('S'));
    const digest = controlDigest(f.get('C'));
    if (!name || !version || !digest || !Number.isSafeInteger(size)) continue;
    const path = `${name}-${version}.apk`;
    if (path.includes('/')) continue;
    out.push({ path, size, digests: [digest] });
  }
  return out;
}
