// Digests an upstream declares in HTTP headers, verified like any ecosystem checksum:
// RFC 9530 Repr-Digest / Content-Digest (sha-256, sha-512), RFC 3230 Digest, and the hex
// X-Checksum-Sha1/-Sha256/-MD5 that Maven repositories (Central, Nexus, Artifactory) send.
import type { DigestAlgorithm, ExpectedDigest } from './types.js';

const ALGORITHMS: Record<string, DigestAlgorithm> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };
const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128, sha1: 40, md5: 32 };

function fromBase64(b64: string, alg: DigestAlgorithm): ExpectedDigest | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null;
  const hex = Buffer.from(b64, 'base64').toString('hex');
  return hex.length === HEX_LENGTH[alg] ? { algorithm: alg, hex } : null;
}

/** RFC 9530 dictionary: `sha-256=:BASE64:, sha-512=:BASE64:`. */
function structured(value: string): ExpectedDigest[] {
  const out: ExpectedDigest[] = [];
  for (const member of value.split(',')) {
    const m = /^\s*([a-z0-9-]+)=:([^:]*):\s*$/i.exec(member);
    const alg = m ? ALGORITHMS[(m[1] as string).toLowerCase()] : undefined;
    const d = alg ? fromBase64(m?.[2] as string, alg) : null;
    if (d) out.push(d);
  }
  return out;
}

/** RFC 3230: `SHA-256=BASE64, SHA-512=BASE64`. */
function legacy(value: string): ExpectedDigest[] {
  const out: ExpectedDigest[] = [];
  for (const member of value.split(',')) {
    const eq = member.indexOf('=');
    const alg = ALGORITHMS[member.slice(0, eq).trim().toLowerCase()];
    const d = alg && eq > 0 ? fromBase64(member.slice(eq + 1).trim(), alg) : null;
    if (d) out.push(d);
  }
  return out;
}

/** Digests of the identity body that the response headers declare. */
export function declaredDigests(headers: Record<string, string>): ExpectedDigest[] {
  const encoded =
    headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity';
  const out: ExpectedDigest[] = [];
  if (headers['repr-digest'] && !encoded) out.push(...structured(headers['repr-digest']));
  if (headers['content-digest'] && !encoded) out.push(...structured(headers['content-digest']));
  if (headers['digest'] && !encoded) out.push(...legacy(headers['digest']));
  for (const alg of ['sha1', 'sha256', 'md5'] as const) {
    const hex = headers[`x-checksum-${alg}`]?.trim().toLowerCase();
    if (hex && !encoded && hex.length === HEX_LENGTH[alg] && /^[0-9a-f]+$/.test(hex)) {
      out.push({ algorithm: alg, hex });
    }
  }
  return out;
}
