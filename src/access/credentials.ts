// Credentials as clients send them: `Basic` (go, pip, mvn, apt, dnf, pacman, npm `_auth`),
// `Bearer` (npm `_authToken`, OCI registry tokens, Prometheus) and a bare token with no scheme
// (cargo sends `Authorization: <token>`, RFC 3139).
export type Credentials =
  { kind: 'basic'; user: string; secret: string } | { kind: 'token'; secret: string };

const MAX_HEADER = 8192;

/** The credentials in an Authorization header; null without one, 'malformed' when unreadable. */
export function readCredentials(header: string | undefined): Credentials | null | 'malformed' {
  if (header === undefined || header === '') return null;
  if (header.length > MAX_HEADER) return 'malformed';
  const space = header.indexOf(' ');
  const scheme = space < 0 ? '' : header.slice(0, space).toLowerCase();
  const value = space < 0 ? header : header.slice(space + 1).trim();
  if (scheme === 'basic') {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return 'malformed';
    const text = Buffer.from(value, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon < 0) return 'malformed';
    const user = text.slice(0, colon);
    const secret = text.slice(colon + 1);
    return secret === '' ? 'malformed' : { kind: 'basic', user, secret };
  }
  if (scheme === 'bearer' || scheme === 'token') {
    return value ? { kind: 'token', secret: value } : 'malformed';
  }
  // No scheme: a bare token (cargo). Anything with a space is some scheme we do not take.
  if (space < 0 && /^[\x21-\x7e]+$/.test(header)) return { kind: 'token', secret: header };
  return 'malformed';
}
