// Signed notes and verifier keys (golang.org/x/mod/sumdb/note): a key is
// "<name>+<hash>+<base64(0x01 || ed25519 public key)>", where <hash> is the first four bytes of
// sha256("<name>\n" || key bytes); a signed note is text, a blank line, then signature lines
// "— <name> <base64(hash || signature)>".
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

const ALG_ED25519 = 1;
// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the 32 key bytes follow.
const ED25519_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

export interface Verifier {
  name: string;
  hash: number;
  key: KeyObject;
}

function keyHash(name: string, key: Buffer): number {
  return createHash('sha256').update(`${name}\n`).update(key).digest().readUInt32BE(0);
}

/** Parses a verifier key; throws with the reason when it is malformed. */
export function parseVerifierKey(text: string): Verifier {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(text);
  if (!m) throw new Error('malformed verifier key');
  const name = m[1] as string;
  const key = Buffer.from(m[3] as string, 'base64');
  if (key.length !== 33 || key[0] !== ALG_ED25519) throw new Error('unsupported verifier key');
  const hash = parseInt(m[2] as string, 16);
  if (keyHash(name, key) !== hash) throw new Error('verifier key hash does not match');
  const der = Buffer.concat([ED25519_SPKI, key.subarray(1)]);
  return { name, hash, key: createPublicKey({ key: der, format: 'der', type: 'spki' }) };
}

/** The note's text when one of its signatures is the verifier's and checks out, else null. */
export function openNote(note: Buffer, v: Verifier): string | null {
  const s = note.toString('utf8');
  const split = s.lastIndexOf('\n\n');
  if (split < 0) return null;
  const text = s.slice(0, split + 1);
  for (const line of s.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m || m[1] !== v.name) continue;
    const sig = Buffer.from(m[2] as string, 'base64');
    if (sig.length !== 68 || sig.readUInt32BE(0) !== v.hash) continue;
    if (verify(null, Buffer.from(text, 'utf8'), v.key, sig.subarray(4))) return text;
  }
  return null;
}
