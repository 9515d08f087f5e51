// What a Python client asks for, from the path below the mount: the simple index (`simple/` and
// `simple/<project>/`, PEP 503/691), the files and core metadata it links to
// (`files/<project>/<sha256>/<filename>[.metadata]`, the real file name last, as pip needs),
// and the JSON API (`pypi/<project>/json`, `pypi/<project>/<version>/json`).
import { TroveError } from '../../errors.js';
import { projectName } from './project-name.js';

export type PypiRequest =
  | { kind: 'root' }
  | { kind: 'page'; project: string }
  /** `sha256` is the file's hex digest from the page, or `nohash` when it gave none. */
  | { kind: 'file'; project: string; sha256: string; filename: string; metadata: boolean }
  | { kind: 'json-api'; project: string; version?: string }
  /** The same resource under its canonical path (normalized name, trailing slash). */
  | { kind: 'redirect'; path: string };

export const NO_HASH = 'nohash';

function notHere(path: string): TroveError {
  return new TroveError('TROVE_ERR_NOT_FOUND', `no such PyPI endpoint: /${path}`);
}

/** A distribution file name: no separators, not a dot name, bounded. */
function fileName(s: string): string {
  if (s.length === 0 || s.length > 255 || s.startsWith('.') || /[/\\\0]/.test(s)) {
    throw new TroveError('TROVE_ERR_NAME', `invalid file name ${JSON.stringify(s)}`);
  }
  return s;
}

function simple(segs: readonly string[], path: string): PypiRequest {
  if (segs.length === 1) return { kind: 'redirect', path: 'simple/' };
  if (segs.length === 2 && segs[1] === '') return { kind: 'root' };
  const given = segs[1] as string;
  const project = projectName(given);
  if (segs.length === 2 || (segs.length === 3 && segs[2] === '')) {
    if (project !== given || segs.length === 2) {
      return { kind: 'redirect', path: `simple/${project}/` };
    }
    return { kind: 'page', project };
  }
  throw notHere(path);
}

function files(segs: readonly string[], path: string): PypiRequest {
  if (segs.length !== 4) throw notHere(path);
  const project = projectName(segs[1] as string);
  const sha256 = segs[2] as string;
  if (sha256 !== NO_HASH && !/^[0-9a-f]{64}$/.test(sha256)) throw notHere(path);
  let filename = fileName(segs[3] as string);
  const metadata = filename.endsWith('.metadata');
  if (metadata) filename = fileName(filename.slice(0, -'.metadata'.length));
  return { kind: 'file', project, sha256, filename, metadata };
}

function jsonApi(segs: readonly string[], path: string): PypiRequest {
  const last = segs.length - (segs.at(-1) === '' ? 2 : 1);
  if (segs[last] !== 'json' || (last !== 2 && last !== 3)) throw notHere(path);
  const project = projectName(segs[1] as string);
  if (last === 2) return { kind: 'json-api', project };
  const version = segs[2] as string;
  if (!/^[A-Za-z0-9.!+_-]{1,128}$/.test(version)) {
    throw new TroveError('TROVE_ERR_NAME', `invalid version ${JSON.stringify(version)}`);
  }
  return { kind: 'json-api', project, version };
}

export function classify(segments: readonly string[], method: string): PypiRequest {
  const path = segments.join('/');
  if (method !== 'GET' && method !== 'HEAD') {
    throw new TroveError(
      'TROVE_ERR_METHOD',
      `${method} is not supported: Trove is a read-only PyPI mirror (upload to the index itself)`,
    );
  }
  switch (segments[0]) {
    case 'simple':
      return simple(segments, path);
    case 'files':
      return files(segments, path);
    case 'pypi':
      return jsonApi(segments, path);
    default:
      throw notHere(path);
  }
}
