// Checksum sidecars (`.sha1`, `.md5`, `.sha256`, `.sha512`): the hex digest, alone or followed
// by a file name (`sha1sum` output), which repositories write both ways.
import type { SumAlgorithm } from './maven-request.js';

const LENGTH: Record<SumAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

/** The digest a sidecar gives, or null when it holds none of the right length. */
export function parseChecksum(text: string, algorithm: SumAlgorithm): string | null {
  const first = text.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  return first.length === LENGTH[algorithm] && /^[0-9a-f]+$/.test(first) ? first : null;
}
