// Module paths and versions in the GOPROXY protocol (go.dev/ref/mod#goproxy-protocol,
// go.dev/ref/mod#module-path, golang.org/x/mod/module). Paths travel case-encoded: every
// upper-case letter becomes "!" plus its lower-case form, so a proxy can be served from a
// case-insensitive file system. Every check returns a reason, never throws.
import { parseSemver } from './semver.js';

type Kind = 'module' | 'file';

const WINDOWS_RESERVED = new Set([
  'CON',
  'PRN',
  'AUX',
  'NUL',
  'COM1',
  'COM2',
  'COM3',
  'COM4',
  'COM5',
  'COM6',
  'COM7',
  'COM8',
  'COM9',
  'LPT1',
  'LPT2',
  'LPT3',
  'LPT4',
  'LPT5',
  'LPT6',
  'LPT7',
  'LPT8',
  'LPT9',
]);

/** Characters of a module path element: ASCII letters and digits, and - . _ ~ */
const MODULE_CHAR = /^[A-Za-z0-9._~-]$/;
/** File names (versions) also allow these, and any Unicode letter. */
const FILE_CHAR = /^(?:[A-Za-z0-9!#$%&()+,.=@[\]^_{}~ -]|\p{L})$/u;

function checkElem(elem: string, kind: Kind): string | null {
  if (elem === '') return 'empty path element';
  if (/^\.+$/.test(elem)) return `invalid path element "${elem}"`;
  if (elem.startsWith('.') && kind === 'module') return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  const allowed = kind === 'module' ? MODULE_CHAR : FILE_CHAR;
  for (const ch of elem) if (!allowed.test(ch)) return `invalid char ${JSON.stringify(ch)}`;
  const dot = elem.indexOf('.');
  const short = dot === -1 ? elem : elem.slice(0, dot);
  if (WINDOWS_RESERVED.has(short.toUpperCase())) {
    return `"${short}" disallowed as path element component on Windows`;
  }
  // Windows short names (GOPRO~1) end in a tilde and digits.
  if (kind === 'module' && /~[0-9]+$/.test(short))
    return 'trailing tilde and digits in path element';
  return null;
}

function checkGeneralPath(path: string, kind: Kind): string | null {
  if (path === '') return 'empty string';
  if (path.startsWith('-') && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const elem of path.split('/')) {
    const why = checkElem(elem, kind);
    if (why) return why;
  }
  return null;
}

/**
 * Splits "example.com/mod/v2" into prefix and major suffix ("/v2"); gopkg.in paths use ".vN".
 * `ok` is false for suffixes the go command refuses (/v0, /v1, /v02, /v2.1).
 */
export function splitPathVersion(path: string): { prefix: string; pathMajor: string; ok: boolean } {
  if (path.startsWith('gopkg.in/')) {
    const m = /^(.+)\.(v(?:0|[1-9][0-9]*))(-unstable)?$/.exec(path);
    if (!m) return { prefix: path, pathMajor: '', ok: false };
    return { prefix: m[1] as string, pathMajor: `.${m[2]}${m[3] ?? ''}`, ok: true };
  }
  const m = /^(.*)\/v([0-9.]+)$/.exec(path);
  if (!m || (m[1] as string) === '') return { prefix: path, pathMajor: '', ok: true };
  const n = m[2] as string;
  if (n.includes('.') || n.startsWith('0') || n === '1')
    return { prefix: path, pathMajor: '', ok: false };
  return { prefix: m[1] as string, pathMajor: `/v${n}`, ok: true };
}

/** Why `path` is not a valid file path inside a module zip (x/mod CheckFilePath), or null. */
export function checkFilePath(path: string): string | null {
  return checkGeneralPath(path, 'file');
}

/** Why `path` is not a valid module path, or null. */
export function checkModulePath(path: string): string | null {
  const why = checkGeneralPath(path, 'module');
  if (why) return why;
  const first = path.split('/')[0] as string;
  if (!first.includes('.')) return 'missing dot in first path element';
  if (first.startsWith('-')) return 'leading dash in first path element';
  const bad = [...first].find((ch) => !/^[a-z0-9.-]$/.test(ch));
  if (bad !== undefined) return `invalid char ${JSON.stringify(bad)} in first path element`;
  if (!splitPathVersion(path).ok) return 'invalid version';
  return null;
}

/** Whether a version may be used with a path's major-version suffix (x/mod CheckPathMajor). */
export function matchesPathMajor(version: string, pathMajor: string): boolean {
  const v = parseSemver(version);
  if (!v) return false;
  let major = pathMajor.replace(/-unstable$/, '');
  if (major === '.v1' && version.startsWith('v0.0.0-')) return true; // old gopkg.in pseudo-versions
  if (major === '') return v.major === '0' || v.major === '1' || v.build === '+incompatible';
  major = major.slice(1);
  return major === `v${v.major}`;
}

/** Case-encodes a path or version (no checks): upper-case letters become `!` + lower case. */
export function escapeString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** Decodes a case-encoded string; null when it is not one. */
export function unescapeString(s: string): string | null {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c.charCodeAt(0) >= 0x80 || (c >= 'A' && c <= 'Z')) return null;
    if (c !== '!') {
      out += c;
      continue;
    }
    const next = s[i + 1];
    if (next === undefined || next < 'a' || next > 'z') return null;
    out += next.toUpperCase();
    i++;
  }
  return out;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function escapeModulePath(path: string): Parsed<string> {
  const why = checkModulePath(path);
  return why
    ? { ok: false, reason: `malformed module path "${path}": ${why}` }
    : { ok: true, value: escapeString(path) };
}

export function unescapeModulePath(escaped: string): Parsed<string> {
  const path = unescapeString(escaped);
  if (path === null) return { ok: false, reason: `invalid escaped module path "${escaped}"` };
  const why = checkModulePath(path);
  if (why) return { ok: false, reason: `invalid escaped module path "${escaped}": ${why}` };
  return { ok: true, value: path };
}

/** Versions may be queries (branch names, commits), but must be safe file names without "!". */
export function escapeVersion(v: string): Parsed<string> {
  if (checkElem(v, 'file') || v.includes('!'))
    return { ok: false, reason: `disallowed version string "${v}"` };
  return { ok: true, value: escapeString(v) };
}

export function unescapeVersion(escaped: string): Parsed<string> {
  const v = unescapeString(escaped);
  if (v === null) return { ok: false, reason: `invalid escaped version "${escaped}"` };
  const why = checkElem(v, 'file');
  if (why) return { ok: false, reason: `invalid escaped version "${v}": ${why}` };
  return { ok: true, value: v };
}
