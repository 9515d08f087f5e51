// Bodies an upstream content-coded although Trove asked for `Accept-Encoding: identity`. The
// object is the decoded representation (RFC 9110 §8.4), so that is what is verified and kept;
// encoded bytes are never stored as the object. Codings Node cannot decode are refused.
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createUnzip, type Gunzip } from 'node:zlib';
import { TroveError } from '../errors.js';

export type Coding = 'gzip' | 'deflate' | 'br';

/** The response's content coding: null for identity, a coding to decode, or a refusal. */
export function contentCoding(headers: Record<string, string>): Coding | null | TroveError {
  const value = (headers['content-encoding'] ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return null;
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  if (value === 'br') return 'br';
  return new TroveError(
    'TROVE_ERR_UPSTREAM_BODY',
    `upstream sent Content-Encoding: ${value}, which Trove cannot decode (it asked for identity)`,
  );
}

/**
 * The decoded stream of `body`. The source is paused only past `highWater` bytes waiting in the
 * decoder, like consume-body.ts does (undici must not sit paused on a closing connection).
 */
export function decodeBody(body: Readable, coding: Coding, highWater: number): Readable {
  // createUnzip reads both gzip and zlib-wrapped deflate, checking the trailer (CRC, length),
  // so a cut stream is an error, never a short "complete" body.
  const decoder: Gunzip | ReturnType<typeof createBrotliDecompress> =
    coding === 'br' ? createBrotliDecompress() : createUnzip();
  body.on('data', (chunk: Buffer) => {
    decoder.write(chunk);
    if (decoder.writableLength > highWater) body.pause();
  });
  decoder.on('drain', () => {
    if (body.isPaused()) body.resume();
  });
  body.once('end', () => decoder.end());
  body.once('error', (err) => decoder.destroy(err));
  body.once('close', () => {
    if (!body.readableEnded) decoder.destroy(new Error('upstream body closed before its end'));
  });
  decoder.once('close', () => {
    if (!body.destroyed) body.destroy();
  });
  return decoder;
}
