// Building upstream URLs without ever resolving a reference. A client-chosen path is appended to
// the configured base as text and the result must stay under that base: a first segment such as
// `http:127.0.0.1:8080`, `file:` or `sha256:` is a path segment, never a scheme, and a path can
// neither leave the base path nor name another host or port. Redirect targets and token realms,
// which an upstream chooses, are held to http(s) without credentials and without a downgrade.
import { TroveError } from '../errors.js';

function escape(message: string): TroveError {
  return new TroveError('TROVE_ERR_BAD_PATH', message, { status: 400 });
}

/** The base as a directory URL: origin and path ending in '/', no query, fragment or credentials. */
export function directoryBase(base: string): URL {
  const u = new URL(base);
  u.hash = '';
  u.search = '';
  if (!u.pathname.endsWith('/')) u.pathname = `${u.pathname}/`;
  return u;
}

/**
 * `base` + `path`, where `path` is encoded segments with an optional `?query` and no leading
 * slash. Throws TROVE_ERR_BAD_PATH (400) when the result would not be under `base`.
 */
export function underBase(base: URL, path: string): URL {
  if (path.startsWith('/') || path.startsWith('\\')) {
    throw escape(`upstream path must be relative to the upstream base: ${JSON.stringify(path)}`);
  }
  const q = path.indexOf('?');
  const pathPart = q === -1 ? path : path.slice(0, q);
  // Every character that could end the path or change how it parses is percent-encoded by the
  // ecosystems; refuse anything else rather than guess.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[#\\]/.test(pathPart) || /[\s\u0000-\u001f\u007f]/.test(path)) {
    throw escape(`upstream path has characters that must be encoded: ${JSON.stringify(path)}`);
  }
  const url = new URL(`${base.origin}${base.pathname}${path}`);
  if (
    url.origin !== base.origin ||
    url.username !== base.username ||
    url.password !== base.password ||
    !url.pathname.startsWith(base.pathname)
  ) {
    throw escape(`upstream path leaves the upstream base ${base.origin}${base.pathname}`);
  }
  return url;
}

/**
 * A URL an upstream named (a redirect's Location, a token realm): absolute http(s), resolved
 * against the answering URL, with no credentials in it and no https -> http downgrade.
 */
export function upstreamChosen(location: string, from: URL | undefined, what: string): URL {
  let url: URL;
  try {
    url = from ? new URL(location, from) : new URL(location);
  } catch {
    throw new TroveError('TROVE_ERR_UPSTREAM_STATUS', `${what} is not a URL: ${location}`);
  }
  const refuse = (why: string): never => {
    throw new TroveError('TROVE_ERR_UPSTREAM_STATUS', `${what} refused (${why}): ${url.origin}`);
  };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(`scheme ${url.protocol}`);
  if (url.username || url.password) refuse('credentials in the URL');
  if (from?.protocol === 'https:' && url.protocol === 'http:') refuse('https to http downgrade');
  return url;
}
