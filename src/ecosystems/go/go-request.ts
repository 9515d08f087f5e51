// Parses GOPROXY protocol paths (go.dev/ref/mod#goproxy-protocol) below the mount:
//   <module>/@v/list   <module>/@v/<version>.info|.mod|.zip   <module>/@latest
// plus the cache-only prefix and the checksum database paths. Paths and versions are
// case-encoded ("!" + lower case); both are checked as the go command checks them.
import {
  matchesPathMajor,
  splitPathVersion,
  unescapeModulePath,
  unescapeVersion,
} from './module-path.js';
import { isCanonicalVersion } from './semver.js';

export type GoEndpoint =
  | { kind: 'list'; module: string }
  | { kind: 'latest'; module: string }
  | { kind: 'info' | 'mod' | 'zip'; module: string; version: string; canonical: boolean }
  | { kind: 'sumdb'; name: string; rest: string[] };

export type GoRequest =
  | {
      ok: true;
      endpoint: GoEndpoint;
      cacheOnly: boolean;
      /** The path without the cache-only prefix: the cache key and the upstream path. */
      segments: readonly string[];
    }
  | { ok: false; status: 400 | 404; reason: string };

const bad = (reason: string): GoRequest => ({ ok: false, status: 400, reason });
const missing = (reason: string): GoRequest => ({ ok: false, status: 404, reason });

export function parseGoPath(segments: readonly string[]): GoRequest {
  let segs = segments;
  let cacheOnly = false;
  if (segs[0] === 'cached-only') {
    cacheOnly = true;
    segs = segs.slice(1);
  }
  if (segs[0] === 'sumdb' && !cacheOnly) {
    const name = segs[1];
    if (!name || segs.length < 3) return missing('not found: incomplete checksum database path');
    return {
      ok: true,
      endpoint: { kind: 'sumdb', name, rest: segs.slice(2) },
      cacheOnly,
      segments: segs,
    };
  }
  const at = segs.findIndex((s) => s === '@v' || s === '@latest');
  if (at <= 0)
    return missing('not found: not a module proxy path (want <module>/@v/... or <module>/@latest)');
  const escapedModule = segs.slice(0, at).join('/');
  const mod = unescapeModulePath(escapedModule);
  if (!mod.ok) return bad(`bad request: ${mod.reason}`);
  const module = mod.value;
  const tail = segs.slice(at);
  if (tail.length === 1 && tail[0] === '@latest') {
    return { ok: true, endpoint: { kind: 'latest', module }, cacheOnly, segments: segs };
  }
  if (tail.length !== 2 || tail[0] !== '@v')
    return missing(`not found: unknown endpoint for ${module}`);
  const file = tail[1] as string;
  if (file === 'list')
    return { ok: true, endpoint: { kind: 'list', module }, cacheOnly, segments: segs };
  const m = /^(.+)\.(info|mod|zip)$/.exec(file);
  if (!m) return missing(`not found: unknown endpoint @v/${file}`);
  const ver = unescapeVersion(m[1] as string);
  if (!ver.ok) return bad(`bad request: ${ver.reason}`);
  const version = ver.value;
  const kind = m[2] as 'info' | 'mod' | 'zip';
  const canonical = isCanonicalVersion(version);
  if (!canonical && kind !== 'info') {
    return bad(`bad request: ${module}@${version}: .${kind} needs a canonical version`);
  }
  if (canonical && !matchesPathMajor(version, splitPathVersion(module).pathMajor)) {
    return missing(`not found: ${module}@${version}: invalid version for this module path`);
  }
  return { ok: true, endpoint: { kind, module, version, canonical }, cacheOnly, segments: segs };
}

/** The same, for a path as it travels upstream: percent-encoded segments, maybe a query. */
export function parseUpstreamPath(path: string): GoRequest {
  const segments = (path.split('?')[0] ?? '').split('/');
  try {
    return parseGoPath(segments.map((s) => decodeURIComponent(s)));
  } catch {
    return { ok: false, status: 400, reason: 'bad request: malformed percent-encoding' };
  }
}
