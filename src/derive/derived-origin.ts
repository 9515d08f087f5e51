// An origin whose answers are made from another cached resource: metadata rewritten for Trove's
// clients (tarball URLs pointing back at Trove, an abbreviated packument, a digest list) is a
// resource of its own, filled from its source through the engine like any upstream answer.
// The source is read in pieces and checked against its digest; a conditional request whose
// validator names the same source version is answered 304, so a derived entry is revalidated
// as cheaply as its source.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Opened } from '../engine/engine.js';
import { TroveError } from '../errors.js';
import type { FetchInit, Origin, UpstreamResponse } from '../upstream/upstream-pool.js';
import { pieces } from './pieces.js';

/** Turns source bytes into derived bytes, chunk by chunk. Throwing refuses the source. */
export interface Transform {
  write(chunk: Buffer): void;
  end(): void;
}

export interface DerivedSpec {
  /** Opens the source through the cache (the engine applies its policy). */
  open(): Promise<Opened>;
  /** Names the transform in validators: a new transform must not match old entries. */
  tag: string;
  contentType: string;
  transform(emit: (b: Buffer) => void): Transform;
  /**
   * Compress the derived bytes (metadata only). The answer does not say so in its own headers,
   * which the engine would decode: the resource declares `content-encoding` in `fixedHeaders`.
   */
  gzip?: boolean;
}

/** A transform that passes the source through unchanged (for an encoded copy of it). */
export function identity(emit: (b: Buffer) => void): Transform {
  return { write: emit, end: () => undefined };
}

export function derivedOrigin(spec: DerivedSpec): Origin {
  return {
    async fetch(_path: string, init: FetchInit = {}): Promise<UpstreamResponse> {
      const src = await spec.open();
      if (src.kind === 'negative') {
        const reason = src.reason ?? '';
        return answer(src.status, { 'content-type': 'text/plain; charset=utf-8' }, [reason]);
      }
      const etag = `"${spec.tag}-${src.digest.slice(0, 40)}"`;
      const validators: Record<string, string> = { etag };
      const lastModified = src.headers['last-modified'];
      if (lastModified) validators['last-modified'] = lastModified;
      if (init.headers?.['if-none-match'] === etag) {
        await src.close();
        return answer(304, validators, []);
      }
      const headers = {
        ...validators,
        'content-type': spec.contentType,
        'transfer-encoding': 'chunked',
      };
      const body = Readable.from(derive(src, spec));
      return answer(200, headers, spec.gzip ? gzipped(body) : body);
    },
  };
}

function answer(
  status: number,
  headers: Record<string, string>,
  body: Iterable<string> | Readable,
): UpstreamResponse {
  const stream = body instanceof Readable ? body : Readable.from(body);
  return { status, headers, body: stream, url: 'derived:', upstream: 0 };
}

function gzipped(body: Readable): Readable {
  const gz = createGzip({ level: 6 });
  body.on('error', (err) => gz.destroy(err));
  return body.pipe(gz);
}

async function* derive(src: Extract<Opened, { kind: 'body' }>, spec: DerivedSpec) {
  let out: Buffer[] = [];
  const t = spec.transform((b) => out.push(b));
  const hash = createHash('sha256');
  // A transform that fails (malformed JSON) may be reading a damaged copy: the whole source is
  // hashed before its error is believed, so a damaged copy is dropped and fetched again.
  let failed: unknown = null;
  try {
    for await (const piece of pieces(src)) {
      hash.update(piece);
      if (failed) continue;
      try {
        t.write(piece);
      } catch (err) {
        failed = err;
      }
      if (out.length > 0 && !failed) {
        yield Buffer.concat(out);
        out = [];
      }
    }
    if (hash.digest('hex') !== src.digest) {
      // Dropped at once: the next request fetches the source again.
      await src.damaged();
      throw new TroveError('TROVE_ERR_CORRUPT', 'the cached source does not match its digest');
    }
    if (failed) throw failed;
    t.end();
    if (out.length > 0) yield Buffer.concat(out);
  } finally {
    await src.close();
  }
}
