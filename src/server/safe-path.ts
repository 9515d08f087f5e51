// Request paths are checked before they can reach storage keys or upstream URLs: traversal in
// any encoding (.., %2e%2e, %2f, backslash, NUL, double encoding) is refused.

export type SafePath =
  { ok: true; segments: string[]; path: string } | { ok: false; reason: string };

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Paths made only of these characters, with no dot segments or empty ones, need no decoding. */
const PLAIN = /^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~!$&'()*+,;=:@-]+)+\/?$/;

export function checkPath(rawPath: string): SafePath {
  if (rawPath.length <= 4096 && PLAIN.test(rawPath)) {
    const segments = rawPath.slice(1).split('/');
    return { ok: true, segments, path: segments.join('/') };
  }
  if (!rawPath.startsWith('/')) return { ok: false, reason: 'path must start with /' };
  if (rawPath.length > 4096) return { ok: false, reason: 'path is longer than 4096 bytes' };
  if (/\\|%5c/i.test(rawPath)) return { ok: false, reason: 'backslashes are not allowed in paths' };
  if (/%2f/i.test(rawPath))
    return { ok: false, reason: 'encoded slashes are not allowed in paths' };
  if (/%00/.test(rawPath) || CONTROL.test(rawPath)) {
    return { ok: false, reason: 'control characters are not allowed in paths' };
  }
  const raw = rawPath.slice(1).split('/');
  const segments: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i] as string;
    let seg: string;
    try {
      seg = decodeURIComponent(part);
    } catch {
      return { ok: false, reason: 'malformed percent-encoding in path' };
    }
    if (seg === '') {
      if (i === raw.length - 1) {
        if (i > 0) segments.push('');
        continue;
      }
      return { ok: false, reason: 'empty path segments are not allowed' };
    }
    // A literal `.` is "this directory" (RFC 3986 §5.2.4 removes it): apt asks for
    // `repo/./InRelease` for a flat repository (`deb URL ./`). `..`, and any encoded dot
    // segment (no client sends one), are refused, never resolved.
    if (part === '.') {
      if (i === raw.length - 1 && segments.length > 0) segments.push('');
      continue;
    }
    if (seg === '.' || seg === '..')
      return { ok: false, reason: 'dot segments are not allowed in paths' };
    if (CONTROL.test(seg))
      return { ok: false, reason: 'control characters are not allowed in paths' };
    if (/%[0-9a-f]{2}/i.test(seg))
      return { ok: false, reason: 'double percent-encoding is not allowed in paths' };
    segments.push(seg);
  }
  return { ok: true, segments, path: segments.join('/') };
}
