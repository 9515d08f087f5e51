// RFC 9110 §14: byte ranges (one, or several for zchunk's delta downloads) and conditional
// requests on cached objects.
import type { IncomingHttpHeaders } from 'node:http';

export interface Span {
  start: number;
  end: number;
}

export type RangeResult =
  | { kind: 'none' }
  | { kind: 'ok'; start: number; end: number }
  | { kind: 'multi'; parts: Span[] }
  | { kind: 'unsatisfiable' };

/** More ranges than this in one request are answered with the whole body. */
export const MAX_RANGES = 1000;

/** One range spec against a size: a span, null when unsatisfiable, undefined when malformed. */
function spanOf(spec: string, size: number): Span | null | undefined {
  const m = /^(\d*)-(\d*)$/.exec(spec.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return null;
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= size ? null : { start, end };
}

/** Overlapping and adjacent spans merged, in order (RFC 9110 §14.3: no range twice). */
function coalesce(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end + 1) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/**
 * Parses a Range header against a known size. Several ranges give `multi` only when `multi` is
 * allowed (a cached object); otherwise, and past MAX_RANGES, the whole body is the answer.
 */
export function parseRange(header: string | undefined, size: number, multi = false): RangeResult {
  if (!header) return { kind: 'none' };
  const m = /^bytes=(.+)$/.exec(header.trim());
  if (!m) return { kind: 'none' };
  const specs = (m[1] as string).split(',');
  if (specs.length > 1 && (!multi || specs.length > MAX_RANGES)) return { kind: 'none' };
  const spans: Span[] = [];
  for (const spec of specs) {
    const s = spanOf(spec, size);
    if (s === undefined) return { kind: 'none' };
    if (s) spans.push(s);
  }
  if (!spans.length) return { kind: 'unsatisfiable' };
  const parts = coalesce(spans);
  if (parts.length === 1) return { kind: 'ok', ...(parts[0] as Span) };
  return { kind: 'multi', parts };
}

function etagMatches(list: string, etag: string): boolean {
  if (list.trim() === '*') return true;
  const weakless = (t: string): string => t.trim().replace(/^W\//, '');
  return list.split(',').some((t) => weakless(t) === weakless(etag));
}

/** True when the client's copy is current and a 304 is the answer. */
export function notModified(
  headers: IncomingHttpHeaders,
  etag: string,
  lastModified: string | null,
): boolean {
  const inm = headers['if-none-match'];
  if (inm !== undefined) return etagMatches(inm, etag);
  const ims = headers['if-modified-since'];
  if (ims !== undefined && lastModified) {
    const since = Date.parse(ims);
    const modified = Date.parse(lastModified);
    return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
  }
  return false;
}

/** If-Range: a Range applies only when the validator still matches. */
export function rangeApplies(
  headers: IncomingHttpHeaders,
  etag: string,
  lastModified: string | null,
): boolean {
  const ifRange = headers['if-range'];
  if (typeof ifRange !== 'string') return true;
  if (ifRange.startsWith('"') || ifRange.startsWith('W/'))
    return !ifRange.startsWith('W/') && ifRange === etag;
  return lastModified !== null && Date.parse(ifRange) === Date.parse(lastModified);
}
