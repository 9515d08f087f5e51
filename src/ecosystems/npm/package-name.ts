// npm package names, checked with the rules validate-npm-package-name applies to existing
// packages ("validForOldPackages"): old names may hold capitals and ~'!()*, so JSONStream and
// the like stay reachable, while anything that is not URL-safe, too long, or a dot or
// underscore name is refused before it reaches storage or the upstream.
import { TroveError } from '../../errors.js';

export interface PackageName {
  /** `name` or `@scope/name`. */
  full: string;
  /** `@scope`, when scoped. */
  scope?: string;
  /** The name without its scope. */
  bare: string;
}

/** npm's limit for new names; longer ones exist nowhere worth reaching. */
const MAX = 214;
const BLOCKED = new Set(['node_modules', 'favicon.ico']);

function urlSafe(s: string): boolean {
  return s !== '' && encodeURIComponent(s) === s;
}

export function invalidName(why: string): TroveError {
  return new TroveError('TROVE_ERR_NAME', `invalid package name: ${why}`);
}

/** A checked name from its decoded form (`name` or `@scope/name`); throws TROVE_ERR_NAME. */
export function packageName(full: string): PackageName {
  if (full.length > MAX) throw invalidName(`longer than ${MAX} characters`);
  if (full.startsWith('.')) throw invalidName(`"${full}" starts with a period`);
  if (full.startsWith('_')) throw invalidName(`"${full}" starts with an underscore`);
  if (BLOCKED.has(full.toLowerCase())) throw invalidName(`"${full}" is not allowed`);
  const m = /^@([^/]+)\/([^/]+)$/.exec(full);
  if (m) {
    const scope = m[1] as string;
    const bare = m[2] as string;
    if (!urlSafe(scope) || !urlSafe(bare)) {
      throw invalidName(`"${full}" has characters that are not URL-safe`);
    }
    return { full, scope: `@${scope}`, bare };
  }
  if (!urlSafe(full)) throw invalidName(`"${full}" has characters that are not URL-safe`);
  return { full, bare: full };
}

/** The name as the registry API spells it in a path: `@scope%2fname` for scoped names. */
export function apiPath(n: PackageName): string {
  return n.scope ? `${n.scope}%2f${n.bare}` : n.bare;
}
