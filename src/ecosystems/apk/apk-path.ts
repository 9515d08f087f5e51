// Where a request path sits in an Alpine mirror: an APKINDEX.tar.gz (the top of the root that
// is its directory, `v3.20/main/x86_64`), or anything else (packages, the v3 Packages.adb,
// `last-updated`), which the machinery verifies when an index lists it or relays.
import type { RepoPlace } from '../common/repo-instance.js';
import { APKINDEX } from './apk-format.js';

export function placeOf(path: string): RepoPlace {
  if (path !== APKINDEX && !path.endsWith(`/${APKINDEX}`)) return { kind: 'other' };
  return {
    kind: 'top',
    root: path.slice(0, Math.max(0, path.length - APKINDEX.length - 1)),
    name: APKINDEX,
  };
}
