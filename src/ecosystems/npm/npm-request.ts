// What an npm client asks for, from the path below the mount (npm/registry docs/REGISTRY-API.md):
// packuments at /<name> and /@scope/name (`%2f` arrives here as a plain slash), tarballs at
// /<name>/-/<file>.tgz, a version document at /<name>/<version|tag>, and the /-/ endpoints.
import { TroveError } from '../../errors.js';
import { encodeSegment } from '../common/url.js';
import { packageName, type PackageName } from './package-name.js';

export type NpmRequest =
  | { kind: 'packument'; name: PackageName }
  | { kind: 'tarball'; name: PackageName; file: string }
  /** Relayed upstream as it is, never cached. */
  | { kind: 'relay'; path: string; method: 'GET' | 'HEAD' | 'POST'; name?: PackageName };

/** The audit endpoints npm 7+ (bulk, then quick) and yarn 1 / older clients (audits) post to. */
const AUDIT = new Set([
  '-/npm/v1/security/advisories/bulk',
  '-/npm/v1/security/audits/quick',
  '-/npm/v1/security/audits',
]);
const SIDE_GET = [
  /^-\/ping$/,
  /^-\/whoami$/,
  /^-\/v1\/search$/,
  /^-\/npm\/v1\/keys$/,
  /^-\/npm\/v1\/attestations\/.+$/,
  /^-\/package\/(?:@[^/]+\/)?[^/]+\/dist-tags$/,
];

function readOnly(method: string): TroveError {
  return new TroveError(
    'TROVE_ERR_METHOD',
    `${method} is not supported: Trove is a read-only npm mirror (publish to the registry itself)`,
  );
}

function notHere(path: string): TroveError {
  return new TroveError('TROVE_ERR_NOT_FOUND', `no such npm endpoint: /${path}`);
}

/** Segments re-encoded for the upstream, with `@scope`, `name` joined as `@scope%2fname`. */
function upstreamPath(segs: readonly string[], query: string): string {
  const out: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i] as string;
    const next = segs[i + 1];
    if (s.startsWith('@') && next !== undefined) {
      out.push(`${encodeSegment(s)}%2f${encodeSegment(next)}`);
      i++;
    } else out.push(encodeSegment(s));
  }
  return out.join('/') + (query ? `?${query}` : '');
}

function sideRequest(segs: string[], method: string, query: string): NpmRequest {
  const path = segs.join('/');
  if (method === 'POST') {
    if (AUDIT.has(path)) return { kind: 'relay', path: upstreamPath(segs, query), method };
    throw readOnly(method);
  }
  if (method !== 'GET' && method !== 'HEAD') throw readOnly(method);
  if (!SIDE_GET.some((r) => r.test(path))) throw notHere(path);
  const at = segs.findIndex((s, i) => i > 0 && s.startsWith('@'));
  const scoped = at > 0 && segs[at + 1] !== undefined;
  const name = scoped
    ? packageName(`${segs[at]}/${(segs[at + 1] as string).replace(/@[^@]*$/, '')}`)
    : undefined;
  return { kind: 'relay', path: upstreamPath(segs, query), method, ...(name ? { name } : {}) };
}

export function classify(segments: readonly string[], method: string, query: string): NpmRequest {
  const segs = segments.at(-1) === '' ? segments.slice(0, -1) : [...segments];
  if (segs.length === 0) throw notHere('');
  if (segs[0] === '-') return sideRequest(segs, method, query);
  const first = segs[0] as string;
  const scoped = first.startsWith('@');
  if (scoped && segs.length < 2) throw notHere(first);
  const name = packageName(scoped ? `${first}/${segs[1] as string}` : first);
  const rest = segs.slice(scoped ? 2 : 1);
  if (method !== 'GET' && method !== 'HEAD') throw readOnly(method);
  if (rest.length === 0) return { kind: 'packument', name };
  if (rest.length === 2 && rest[0] === '-' && /\.tgz$/.test(rest[1] as string)) {
    return { kind: 'tarball', name, file: rest[1] as string };
  }
  if (rest.length === 1 && rest[0] !== '-') {
    // A version or dist-tag document (`npm view name@1.2.3` on some clients): relayed.
    const path = `${upstreamPath(scoped ? segs.slice(0, 2) : [first], '')}/${encodeSegment(rest[0] as string)}`;
    return { kind: 'relay', path: path + (query ? `?${query}` : ''), method, name };
  }
  throw notHere(segs.join('/'));
}
