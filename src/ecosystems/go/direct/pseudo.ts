// Pseudo-versions (go.dev/ref/mod#pseudo-versions): a version for an untagged commit, built on
// the most recent tagged ancestor so that it sorts after it:
//   vX.0.0-yyyymmddhhmmss-abcdefabcdef        no tagged ancestor (X is the path's major)
//   vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdefabcdef  after the release vX.Y.Z
//   vX.Y.Z-pre.0.yyyymmddhhmmss-abcdefabcdef  after the pre-release vX.Y.Z-pre
import { isPseudoVersion, parseSemver } from '../semver.js';

/** UTC commit time as the 14 digits of a pseudo-version. */
export function pseudoTime(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

export function pseudoVersion(
  major: string,
  base: string | undefined,
  epochSeconds: number,
  hash: string,
): string {
  const tail = `${pseudoTime(epochSeconds)}-${hash.slice(0, 12)}`;
  const incompatible = base?.endsWith('+incompatible') ? '+incompatible' : '';
  const b = base ? parseSemver(base.replace(/\+incompatible$/, '')) : null;
  if (!b) return `${major || 'v0'}.0.0-${tail}${incompatible}`;
  if (b.prerelease)
    return `v${b.major}.${b.minor}.${b.patch}${b.prerelease}.0.${tail}${incompatible}`;
  return `v${b.major}.${b.minor}.${Number(b.patch) + 1}-0.${tail}${incompatible}`;
}

/** The timestamp and revision a pseudo-version names, or null when it is not one. */
export function parsePseudo(v: string): { time: string; rev: string } | null {
  if (!isPseudoVersion(v)) return null;
  const m = /(\d{14})-([0-9a-f]{12})(?:\+incompatible)?$/.exec(v);
  return m ? { time: m[1] as string, rev: m[2] as string } : null;
}
