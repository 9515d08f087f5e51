// What a Maven client asks for, from the repository path below the mount
// (`<group/as/path>/<artifactId>/<version>/<file>`): maven-metadata.xml at any level and its
// checksums, artifacts (release or SNAPSHOT) and their checksum sidecars and signatures.
import { TroveError } from '../../errors.js';

export type SumAlgorithm = 'sha1' | 'md5' | 'sha256' | 'sha512';
export const SUMS: readonly SumAlgorithm[] = ['sha1', 'md5', 'sha256', 'sha512'];

export type MavenRequest =
  | { kind: 'metadata'; segments: string[] }
  /** A checksum of maven-metadata.xml: always of the copy Trove serves. */
  | { kind: 'metadata-sum'; segments: string[]; algorithm: SumAlgorithm }
  | { kind: 'file'; segments: string[]; snapshot: boolean }
  /** A checksum sidecar of a file (`segments` name the file itself). */
  | { kind: 'sidecar'; segments: string[]; algorithm: SumAlgorithm; snapshot: boolean };

const METADATA = 'maven-metadata.xml';

function sumOf(name: string): { base: string; algorithm: SumAlgorithm } | null {
  const dot = name.lastIndexOf('.');
  const ext = name.slice(dot + 1) as SumAlgorithm;
  return dot > 0 && SUMS.includes(ext) ? { base: name.slice(0, dot), algorithm: ext } : null;
}

export function classify(segments: readonly string[], method: string): MavenRequest {
  if (method !== 'GET' && method !== 'HEAD') {
    throw new TroveError(
      'TROVE_ERR_METHOD',
      `${method} is not supported: Trove is a read-only Maven mirror (deploy to the repository itself)`,
    );
  }
  const segs = [...segments];
  if (segs.length === 0 || segs.some((s) => s === '' || s === '.' || s === '..')) {
    throw new TroveError('TROVE_ERR_NOT_FOUND', `no such repository path: /${segments.join('/')}`);
  }
  const name = segs.at(-1) as string;
  const snapshot = (segs.at(-2) ?? '').endsWith('-SNAPSHOT');
  if (name === METADATA) return { kind: 'metadata', segments: segs };
  const sum = sumOf(name);
  if (!sum) return { kind: 'file', segments: segs, snapshot };
  const file = [...segs.slice(0, -1), sum.base];
  if (sum.base === METADATA)
    return { kind: 'metadata-sum', segments: file, algorithm: sum.algorithm };
  return { kind: 'sidecar', segments: file, algorithm: sum.algorithm, snapshot };
}

/**
 * The `groupId:artifactId` a request is about (access rules match these), or null for files at
 * the top of the repository. A maven-metadata.xml sits in an artifact's directory, or in a
 * version's (SNAPSHOTs); one in a plugin group's directory reads as that group's last element.
 */
export function coordinates(r: MavenRequest): string | null {
  const segs = r.segments;
  const versioned =
    r.kind === 'file' || r.kind === 'sidecar' || /^\d|-SNAPSHOT$/.test(segs.at(-2) ?? '');
  const artifactAt = segs.length - (versioned ? 3 : 2);
  if (artifactAt < 1) return null;
  return `${segs.slice(0, artifactAt).join('.')}:${segs[artifactAt] as string}`;
}
