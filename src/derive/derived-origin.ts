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
  /** A source begins: its position among those `open` gave (missing ones are skipped). */
  source?(index: number): void;
  write(chunk: Buffer): void;
  end(): void;
}

type Body = Extract<Opened, { kind: 'body' }>;

export interface DerivedSpec {
  /**
   * Opens the source through the cache (the engine applies its policy), or several sources
   * that are read one after the other (a page merged from two indexes).
   */
  open(): Promise<Opened | Opened[]>;
  /**
   * With several sources: a source that is "not found" is left out, and only all of them
   * missing is "not found". Otherwise the first negative answer is the answer.
   */
  skipMissing?: boolean;
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

/** The validator of a derivation: the transform's tag and its sources' digests. */
function validator(tag: string, sources: readonly Body[]): string {
  if (sources.length === 1) return `"${tag}-${(sources[0] as Body).digest.slice(0, 40)}"`;
  const h = createHash('sha256');
  for (const s of sources) h.update(`${s.digest},`);
  return `"${tag}-${h.digest('hex').slice(0, 40)}"`;
}

async function closeAll(opened: readonly Opened[]): Promise<void> {
  for (const o of opened) if (o.kind === 'body') await o.close();
}

export function derivedOrigin(spec: DerivedSpec): Origin {
  return {
    async fetch(_path: string, init: FetchInit = {}): Promise<UpstreamResponse> {
      const opened = [await spec.open()].flat();
      const bodies = opened.filter((o): o is Body => o.kind === 'body');
      const negative = opened.find((o) => o.kind === 'negative');
      if (negative?.kind === 'negative' && (!spec.skipMissing || bodies.length === 0)) {
        await closeAll(opened);
        const reason = negative.reason ?? '';
        return answer(negative.status, { 'content-type': 'text/plain; charset=utf-8' }, [reason]);
      }
      const etag = validator(spec.tag, bodies);
      const validators: Record<string, string> = { etag };
      const lastModified = bodies[0]?.headers['last-modified'];
      if (lastModified && bodies.length === 1) validators['last-modified'] = lastModified;
      if (init.headers?.['if-none-match'] === etag) {
        await closeAll(opened);
        return answer(304, validators, []);
      }
      const headers = {
        ...validators,
        'content-type': spec.contentType,
        'transfer-encoding': 'chunked',
      };
      const read = opened.flatMap((o, i) => (o.kind === 'body' ? [[i, o] as const] : []));
      const body = Readable.from(derive(read, spec));
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

async function* derive(sources: ReadonlyArray<readonly [number, Body]>, spec: DerivedSpec) {
  let out: Buffer[] = [];
  const t = spec.transform((b) => out.push(b));
  // A transform that fails (malformed JSON) may be reading a damaged copy: the whole source is
  // hashed before its error is believed, so a damaged copy is dropped and fetched again.
  let failed: unknown = null;
  try {
    for (const [i, src] of sources) {
      t.source?.(i);
      const hash = createHash('sha256');
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
    }
    t.end();
    if (out.length > 0) yield Buffer.concat(out);
  } finally {
    await closeAll(sources.map(([, src]) => src));
  }
}
