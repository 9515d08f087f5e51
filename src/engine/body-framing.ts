// What an upstream body is and how its end can be told from a cut: a declared length, chunked
// framing, or a content coding whose own trailer is checked (the body is decoded to the object
// it represents). A body with none of these ends where the connection closes, which a reset
// looks like too: it is served but only cached when a digest or size confirms it.
import type { Readable } from 'node:stream';
import type { TroveError } from '../errors.js';
import { contentCoding, decodeBody } from '../upstream/decode-body.js';
import type { UpstreamResponse } from '../upstream/upstream-pool.js';
import type { Resource } from './types.js';

export interface Framed {
  /** The object's bytes (decoded when the upstream content-coded them). */
  body: Readable;
  /** The object's length when known before the body (never an encoded length). */
  size: number | null;
  /** The end of the body cannot be told from a cut connection. */
  unframed: boolean;
}

export function frame(res: UpstreamResponse, highWater: number): Framed | { error: TroveError } {
  const declared = res.headers['content-length'];
  const length = declared !== undefined && /^\d+$/.test(declared) ? Number(declared) : null;
  const coding = contentCoding(res.headers);
  if (coding !== null && typeof coding !== 'string') return { error: coding };
  if (coding) return { body: decodeBody(res.body, coding, highWater), size: null, unframed: false };
  const chunked = /(^|,)\s*chunked\s*$/i.test(res.headers['transfer-encoding'] ?? '');
  return { body: res.body, size: length, unframed: length === null && !chunked };
}

/** Whether a body can be confirmed whole without trusting how it ended. */
export function confirmable(resource: Resource, declaredDigests: number): boolean {
  return (
    declaredDigests > 0 ||
    resource.verify !== undefined ||
    resource.expect?.size !== undefined ||
    (resource.expect?.digests?.length ?? 0) > 0
  );
}
