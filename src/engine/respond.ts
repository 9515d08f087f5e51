// Writing cached or in-flight objects to a client: validators, Range, HEAD.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { notModified, parseRange, rangeApplies, type Span } from './http-range.js';

export interface ObjectMeta {
  headers: Record<string, string>;
  size: number | null;
  etag: string | null;
  lastModified: string | null;
}

export type BodyPlan =
  | { kind: 'none'; status: 304 | 416; headers: Record<string, string> }
  | {
      kind: 'full' | 'range';
      status: 200 | 206;
      headers: Record<string, string>;
      start: number;
      end: number | undefined;
    }
  /** Several ranges of a cached object, as multipart/byteranges: each part's head, then its bytes. */
  | {
      kind: 'multi';
      status: 206;
      headers: Record<string, string>;
      parts: Array<Span & { head: Buffer }>;
      tail: Buffer;
    };

/** The multipart/byteranges framing of several spans of an object (RFC 9110 §14.6). */
function multipart(
  headers: Record<string, string>,
  spans: Span[],
  size: number,
): Extract<BodyPlan, { kind: 'multi' }> {
  const boundary = `trove-${randomBytes(12).toString('hex')}`;
  const type = headers['content-type'] ?? 'application/octet-stream';
  const parts = spans.map((s) => ({
    ...s,
    head: Buffer.from(
      `\r\n--${boundary}\r\ncontent-type: ${type}\r\n` +
        `content-range: bytes ${s.start}-${s.end}/${size}\r\n\r\n`,
    ),
  }));
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = parts.reduce((n, p) => n + p.head.length + p.end - p.start + 1, tail.length);
  headers['content-type'] = `multipart/byteranges; boundary=${boundary}`;
  headers['content-length'] = String(length);
  return { kind: 'multi', status: 206, headers, parts, tail };
}

/** Decides status, headers and byte span for a response from the object's metadata. */
export function planBody(
  req: IncomingMessage,
  meta: ObjectMeta,
  extra: Record<string, string>,
  /** Several ranges may be answered as multipart (the whole object is at hand). */
  multi = false,
): BodyPlan {
  // Copied key by key: spreading objects that came from JSON.parse costs microseconds per hit.
  const headers: Record<string, string> = {};
  for (const k in meta.headers) headers[k] = meta.headers[k] as string;
  for (const k in extra) headers[k] = extra[k] as string;
  if (meta.etag) headers['etag'] = meta.etag;
  if (meta.lastModified) headers['last-modified'] = meta.lastModified;
  if (meta.etag && notModified(req.headers, meta.etag, meta.lastModified)) {
    return { kind: 'none', status: 304, headers };
  }
  if (meta.size === null) return { kind: 'full', status: 200, headers, start: 0, end: undefined };
  headers['accept-ranges'] = 'bytes';
  const wantsRange =
    req.headers.range !== undefined &&
    rangeApplies(req.headers, meta.etag ?? '', meta.lastModified);
  const range = wantsRange
    ? parseRange(req.headers.range, meta.size, multi)
    : ({ kind: 'none' } as const);
  if (range.kind === 'unsatisfiable') {
    headers['content-range'] = `bytes */${meta.size}`;
    return { kind: 'none', status: 416, headers };
  }
  if (range.kind === 'ok') {
    headers['content-range'] = `bytes ${range.start}-${range.end}/${meta.size}`;
    headers['content-length'] = String(range.end - range.start + 1);
    return { kind: 'range', status: 206, headers, start: range.start, end: range.end };
  }
  if (range.kind === 'multi') return multipart(headers, range.parts, meta.size);
  headers['content-length'] = String(meta.size);
  return { kind: 'full', status: 200, headers, start: 0, end: meta.size - 1 };
}

/** Sends a plan that has no body (304, 416) or a HEAD answer; returns true when done. */
export function sendIfBodiless(req: IncomingMessage, res: ServerResponse, plan: BodyPlan): boolean {
  if (plan.kind === 'none') {
    const h = { ...plan.headers };
    if (plan.status === 304) delete h['content-length'];
    res.writeHead(plan.status, h).end();
    return true;
  }
  if (req.method === 'HEAD') {
    res.writeHead(plan.status, plan.headers).end();
    return true;
  }
  return false;
}

export function spanLength(plan: BodyPlan, size: number | null): number {
  if (plan.kind === 'none') return 0;
  if (plan.kind === 'multi') return Number(plan.headers['content-length']);
  if (plan.end === undefined) return size ?? 0;
  return plan.end - plan.start + 1;
}
