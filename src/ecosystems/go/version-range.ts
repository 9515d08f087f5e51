// Version ranges for allow/deny rules: comparators joined by spaces (all must hold), and
// alternatives joined by "||". Versions are Go module versions; the leading "v" is optional.
//   "<v1.4.2"   ">=v1.0.0 <v2.0.0"   "v1.2.3 || >=v1.5.0"   "*"
import { compareSemver, parseSemver } from './semver.js';

type Op = '<' | '<=' | '>' | '>=' | '=';
interface Comparator {
  op: Op;
  version: string;
}

export interface VersionRange {
  source: string;
  matches(version: string): boolean;
}

const COMPARATOR = /^(<=|>=|<|>|=)?\s*v?(\S+)$/;

function holds(c: Comparator, version: string): boolean {
  const d = compareSemver(version, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    case '=':
      return d === 0;
  }
}

/** Parses a range; the error names the part that is wrong. */
export function parseVersionRange(source: string): VersionRange | string {
  const alternatives: Comparator[][] = [];
  for (const alt of source.split('||')) {
    const comparators: Comparator[] = [];
    // "> = v1" style spacing is not accepted; "<v1" and "< v1" are.
    const tokens = alt
      .trim()
      .replace(/(<=|>=|<|>|=)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    if (tokens.length === 0) return `empty alternative in "${source}"`;
    for (const token of tokens) {
      if (token === '*') continue;
      const m = COMPARATOR.exec(token);
      const version = `v${m?.[2] ?? ''}`;
      if (!m || !parseSemver(version)) return `"${token}" is not a version comparator`;
      comparators.push({ op: (m[1] as Op | undefined) ?? '=', version });
    }
    alternatives.push(comparators);
  }
  return {
    source,
    matches(version) {
      if (!parseSemver(version)) return false;
      return alternatives.some((cs) => cs.every((c) => holds(c, version)));
    },
  };
}
