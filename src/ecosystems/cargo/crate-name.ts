// Crate names and where the sparse index keeps them (cargo's registry-index.md, "Index files"):
// `1/<name>`, `2/<name>`, `3/<first letter>/<name>`, else `<first two>/<next two>/<name>`, all
// lower case. Names are checked before they reach storage or an upstream.
import { TroveError } from '../../errors.js';

/** ASCII letters, digits, `-` and `_`, starting with a letter or `_`; at most 64 (crates.io). */
const VALID = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

export function crateName(name: string): string {
  if (!VALID.test(name)) {
    throw new TroveError(
      'TROVE_ERR_NAME',
      `invalid crate name ${JSON.stringify(name.slice(0, 80))}: ASCII letters, digits, "-" and ` +
        '"_", starting with a letter, at most 64 characters',
    );
  }
  return name;
}

/** The directories of a crate's index file (`{prefix}` in `dl`), in the name's own case. */
export function prefixOf(name: string): string {
  if (name.length <= 2) return String(name.length);
  if (name.length === 3) return `3/${name.slice(0, 1)}`;
  return `${name.slice(0, 2)}/${name.slice(2, 4)}`;
}

/** The path of a crate's index file below the index root. */
export function indexPath(name: string): string {
  const lower = name.toLowerCase();
  return `${prefixOf(lower)}/${lower}`;
}
