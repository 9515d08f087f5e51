// Semantic versions as the go command reads them (go.dev/ref/mod#versions, golang.org/x/mod
// semver): a leading "v", MAJOR[.MINOR[.PATCH[-PRERELEASE][+BUILD]]]. Shorthands such as v1 or
// v1.2 are valid but not canonical; canonical versions are complete and have no build suffix,
// except the "+incompatible" that module versions keep.

export interface Semver {
  major: string;
  minor: string;
  patch: string;
  /** With its leading "-", or "". */
  prerelease: string;
  /** With its leading "+", or "". */
  build: string;
  /** v1 or v1.2 written without the missing parts. */
  short: boolean;
}

const NUM = '(0|[1-9][0-9]*)';
const IDENT = '[0-9A-Za-z-]+';
const RE = new RegExp(
  `^v${NUM}(?:\\.${NUM}(?:\\.${NUM}(-${IDENT}(?:\\.${IDENT})*)?(\\+${IDENT}(?:\\.${IDENT})*)?)?)?$`,
);

export function parseSemver(v: string): Semver | null {
  const m = RE.exec(v);
  if (!m) return null;
  const pre = m[4] ?? '';
  // Numeric pre-release identifiers must not have leading zeros (semver 2.0.0 §9).
  if (
    pre &&
    pre
      .slice(1)
      .split('.')
      .some((id) => /^0[0-9]+$/.test(id))
  )
    return null;
  return {
    major: m[1] as string,
    minor: m[2] ?? '0',
    patch: m[3] ?? '0',
    prerelease: pre,
    build: m[5] ?? '',
    short: m[2] === undefined || m[3] === undefined,
  };
}

export function isValidSemver(v: string): boolean {
  return parseSemver(v) !== null;
}

/** The canonical form of a module version, keeping "+incompatible"; "" when invalid. */
export function canonicalVersion(v: string): string {
  const p = parseSemver(v);
  if (!p) return '';
  const base = `v${p.major}.${p.minor}.${p.patch}${p.prerelease}`;
  return p.build === '+incompatible' ? `${base}+incompatible` : base;
}

export function isCanonicalVersion(v: string): boolean {
  return v !== '' && canonicalVersion(v) === v;
}

function compareIdents(a: string, b: string): number {
  const an = /^[0-9]+$/.test(a);
  const bn = /^[0-9]+$/.test(b);
  if (an && bn) return a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  if (an !== bn) return an ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders valid versions by semver precedence; invalid ones sort first, equal to each other. */
export function compareSemver(a: string, b: string): number {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (!pa || !pb) return pa ? 1 : pb ? -1 : 0;
  const c =
    compareIdents(pa.major, pb.major) ||
    compareIdents(pa.minor, pb.minor) ||
    compareIdents(pa.patch, pb.patch);
  if (c) return Math.sign(c);
  if (pa.prerelease === pb.prerelease) return 0;
  if (!pa.prerelease) return 1;
  if (!pb.prerelease) return -1;
  const xa = pa.prerelease.slice(1).split('.');
  const xb = pb.prerelease.slice(1).split('.');
  for (let i = 0; i < Math.max(xa.length, xb.length); i++) {
    if (xa[i] === undefined) return -1;
    if (xb[i] === undefined) return 1;
    const d = compareIdents(xa[i] as string, xb[i] as string);
    if (d) return Math.sign(d);
  }
  return 0;
}

const PSEUDO =
  /^v[0-9]+\.(?:0\.0-|[0-9]+\.[0-9]+-(?:[^+]*\.)?0\.)[0-9]{14}-[A-Za-z0-9]+(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/** Whether `v` is a pseudo-version (vX.0.0-yyyymmddhhmmss-abcdef123456 and its two other forms). */
export function isPseudoVersion(v: string): boolean {
  return (v.match(/-/g) ?? []).length >= 2 && isValidSemver(v) && PSEUDO.test(v);
}
