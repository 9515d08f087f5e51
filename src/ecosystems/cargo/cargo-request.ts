// What cargo asks a sparse registry for, from the path below the mount: `config.json`, index
// files (`1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`), and downloads at the `dl` Trove gives it
// (`api/v1/crates/<crate>/<version>/download`, cargo's append rule).
import { TroveError } from '../../errors.js';
import { crateName, indexPath } from './crate-name.js';

export type CargoRequest =
  | { kind: 'config' }
  | { kind: 'index'; crate: string }
  | { kind: 'download'; crate: string; version: string };

function notHere(path: string): TroveError {
  return new TroveError('TROVE_ERR_NOT_FOUND', `no such registry path: /${path}`);
}

/** A version as the index spells it (semver, with pre-release and build parts). */
function version(v: string): string {
  if (!/^[0-9A-Za-z.+-]{1,128}$/.test(v)) {
    throw new TroveError('TROVE_ERR_NAME', `invalid version ${JSON.stringify(v.slice(0, 80))}`);
  }
  return v;
}

export function classify(segments: readonly string[], method: string): CargoRequest {
  const path = segments.join('/');
  if (method !== 'GET' && method !== 'HEAD') {
    throw new TroveError(
      'TROVE_ERR_METHOD',
      `${method} is not supported: Trove is a read-only registry mirror (publish to the registry itself)`,
    );
  }
  if (path === 'config.json') return { kind: 'config' };
  const [api, v1, crates, name, vers, download, ...rest] = segments;
  if (api === 'api' && v1 === 'v1' && crates === 'crates' && download === 'download') {
    if (rest.length > 0 || name === undefined || vers === undefined) throw notHere(path);
    return { kind: 'download', crate: crateName(name), version: version(vers) };
  }
  const name2 = segments.at(-1) ?? '';
  if (segments.length < 2 || segments.length > 3) throw notHere(path);
  const crate = crateName(name2);
  // cargo asks in lower case; the path must be the one the name's own length implies.
  if (indexPath(crate) !== path.toLowerCase()) throw notHere(path);
  return { kind: 'index', crate };
}
