// Version lists and @latest answers as Trove serves them: only canonical, tagged versions that
// the gatekeeper allows, so a client never picks a version whose .info would then be refused.
import { compareSemver, isCanonicalVersion, isPseudoVersion, parseSemver } from './semver.js';

/** The list body keeping only tagged canonical versions that pass `allowed`, once each. */
export function filterList(body: string, allowed: (version: string) => boolean): string[] {
  const out = new Set<string>();
  for (const line of body.split('\n')) {
    const v = line.trim().split(/\s+/)[0] ?? '';
    if (isCanonicalVersion(v) && !isPseudoVersion(v) && allowed(v)) out.add(v);
  }
  return [...out];
}

/** The version @latest means among tagged ones: the highest release, else the highest pre-release. */
export function latestOf(versions: readonly string[]): string | undefined {
  const sorted = [...versions].sort(compareSemver);
  const releases = sorted.filter((v) => parseSemver(v)?.prerelease === '');
  return releases.at(-1) ?? sorted.at(-1);
}

/** The Version field of an .info or @latest JSON body, or undefined when malformed. */
export function infoVersion(body: Buffer): string | undefined {
  try {
    const v = (JSON.parse(body.toString('utf8')) as { Version?: unknown }).Version;
    return typeof v === 'string' && isCanonicalVersion(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
