// RFC 9110 §14: single byte ranges and conditional requests on cached objects.
import type { IncomingHttpHeaders } from 'node:http';

export type RangeResult =
  { kind: 'none' } | { kind: 'ok'; start: number; end: number } | { kind: 'unsatisfiable' };

/** Parses a Range header against a known size. Multiple ranges are answered with the whole body. */
export function parseRange(header: string | undefined, size: number): RangeResult {
  if (!header) return { kind: 'none' };
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return { kind: 'none' };
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'ok', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return { kind: 'unsatisfiable' };
  return { kind: 'ok', start, end };
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
