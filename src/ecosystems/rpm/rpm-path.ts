// Where a request path sits in an RPM repository: repomd.xml and its signature and key (the
// top of the root above repodata/), another file in repodata/ (what repomd.xml may list), or
// anything else (packages, metalinks, mirror extras).
import type { RepoPlace } from '../common/repo-instance.js';
import { TOP_NAMES } from './rpm-format.js';

const REPODATA = /^(?:(.*)\/)?(repodata\/[^/]+)$/;

export function placeOf(path: string): RepoPlace {
  const m = REPODATA.exec(path);
  if (!m) return { kind: 'other' };
  const root = m[1] ?? '';
  const rel = m[2] as string;
  if (TOP_NAMES.includes(rel as never)) return { kind: 'top', root, name: rel };
  return { kind: 'member', root, rel };
}
