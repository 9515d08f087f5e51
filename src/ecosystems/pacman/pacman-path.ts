// Where a request path sits in a pacman mirror: a repository's database, files database or
// their signatures (the top of the root `<dir>/<repo>`), or anything else (packages and their
// signatures, `lastupdate`, `lastsync`).
import type { RepoPlace } from '../common/repo-instance.js';

const TOP = /^(?:(.*)\/)?([^/]+)\.(db|files)(\.sig)?$/;

export function placeOf(path: string): RepoPlace {
  const m = TOP.exec(path);
  if (!m) return { kind: 'other' };
  const dir = m[1] ?? '';
  const repo = m[2] as string;
  const root = dir ? `${dir}/${repo}` : repo;
  return { kind: 'top', root, name: `${repo}.${m[3] as string}${m[4] ?? ''}` };
}
