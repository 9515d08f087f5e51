// Where a packument's tarballs live, for Trove's clients and for Trove. Clients get the
// canonical `<base>/<name>/-/<file>` layout (yarn berry then keeps `npm:<version>` lockfile
// entries); Trove looks the file up in the packument's own list to find its real URL.
import type { PackageName } from './package-name.js';

/** The file name a tarball URL ends with (decoded), or null when there is none. */
export function tarballFile(url: string, relativeTo: string): string | null {
  try {
    const last = new URL(url, relativeTo).pathname.split('/').pop();
    return last ? decodeURIComponent(last) : null;
  } catch {
    return null;
  }
}

/** The absolute URL a tarball has on Trove, for the request's public base. */
export function troveTarball(base: string, name: PackageName, file: string): string {
  return `${base}/${name.full}/-/${encodeURIComponent(file)}`;
}
