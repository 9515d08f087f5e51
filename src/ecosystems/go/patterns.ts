// Module path patterns in GOPRIVATE/GONOPROXY syntax (x/mod module.MatchPrefixPatterns): a
// comma-separated list of path.Match globs, each matched against the module path's prefix
// with as many elements as the glob has, so "corp.example.com" also covers its subpaths.
import picomatch from 'picomatch';

// Go's path.Match has no braces, extglobs or negation; "*" and "?" never cross a "/".
const GO_GLOB = { nobrace: true, noextglob: true, nonegate: true, dot: true } as const;

export interface PrefixPattern {
  source: string;
  /** Number of path elements the glob spans. */
  elements: number;
  test(path: string): boolean;
}

function compile(glob: string): PrefixPattern {
  const clean = glob.replace(/\/+$/, '');
  return {
    source: glob,
    elements: clean.split('/').length,
    test: picomatch(clean, GO_GLOB),
  };
}

/** Splits a pattern list ("a,b" or an array of such strings) into compiled globs. */
export function compilePatterns(list: string | readonly string[]): PrefixPattern[] {
  const parts = (typeof list === 'string' ? [list] : list).flatMap((s) => s.split(','));
  return parts
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map(compile);
}

/** Why a pattern is not usable, or null. */
export function checkPattern(glob: string): string | null {
  if (/[{}]/.test(glob)) return `"${glob}": braces are not part of Go's pattern syntax`;
  if (glob.startsWith('/'))
    return `"${glob}": patterns match module paths, which never start with /`;
  try {
    picomatch.makeRe(glob, GO_GLOB);
  } catch (err) {
    return `"${glob}": ${err instanceof Error ? err.message : String(err)}`;
  }
  return null;
}

/** Whether any pattern matches a prefix of the module path. */
export function matchesAny(patterns: readonly PrefixPattern[], modulePath: string): boolean {
  if (patterns.length === 0) return false;
  const elems = modulePath.split('/');
  return patterns.some(
    (p) => elems.length >= p.elements && p.test(elems.slice(0, p.elements).join('/')),
  );
}

/**
 * Access rule names for Go: GOPRIVATE-style prefix patterns (`corp.example.com` covers its
 * subpaths), `**` for every module, and no regard to case (`!a` encodes `A` in proxy paths,
 * and hosts such as GitHub ignore case, so a deny rule must catch every spelling).
 */
export function goNameMatcher(patterns: readonly string[]): (module: string) => boolean {
  const all = patterns.includes('**');
  const compiled = compilePatterns(patterns.filter((p) => p !== '**').map((p) => p.toLowerCase()));
  return (module) => all || matchesAny(compiled, module.toLowerCase());
}
