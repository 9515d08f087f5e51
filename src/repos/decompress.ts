// Undoing the compression Linux repositories use for their indexes (Debian's Packages.xz, RPM's
// primary.xml.gz or .zst, pacman's db), as a series of pieces so a 200 MB primary never has to
// be held whole as text. gzip and zstd stream (multi-member and multi-frame); xz is undone in
// one call off the main thread, then handed out in pieces.
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { xz } from '@napi-rs/lzma';
import { Decompress } from 'fzstd';

export type Compression = 'gz' | 'xz' | 'zst' | 'none';

const SUFFIX: ReadonlyArray<[string, Compression]> = [
  ['.gz', 'gz'],
  ['.xz', 'xz'],
  ['.zst', 'zst'],
];
/** Suffixes of compressions Trove cannot read (bz2, lzma, lz4, zchunk). */
const UNREADABLE = /\.(bz2|lzma|lz4|zck)$/;

/** How a file named `path` is compressed, or null when Trove cannot read it. */
export function compressionOf(path: string): Compression | null {
  for (const [suffix, c] of SUFFIX) if (path.endsWith(suffix)) return c;
  return UNREADABLE.test(path) ? null : 'none';
}

/** What a compressed body starts with, for bodies whose name says nothing (pacman's `.db`). */
export function sniff(body: Buffer): Compression {
  if (body[0] === 0x1f && body[1] === 0x8b) return 'gz';
  if (body.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (body.readUInt32LE(0) === 0xfd2fb528) return 'zst';
  return 'none';
}

const PIECE = 1 << 20;
const ZST_SLICE = 16 << 10;
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The decompressed bytes of `body`, in pieces of about a mebibyte, a turn of the loop apart. */
export async function* inflate(body: Buffer, c: Compression): AsyncGenerator<Buffer> {
  if (c === 'gz') {
    for await (const chunk of Readable.from([body]).pipe(createGunzip({ chunkSize: PIECE }))) {
      yield chunk as Buffer;
    }
    return;
  }
  if (c === 'zst') {
    // fzstd works synchronously: small input slices bound the work (and output) of one push.
    let out: Buffer[] = [];
    const z = new Decompress((data) =>
      out.push(Buffer.from(data.buffer, data.byteOffset, data.length)),
    );
    for (let at = 0; at < body.length; at += ZST_SLICE) {
      z.push(body.subarray(at, at + ZST_SLICE), at + ZST_SLICE >= body.length);
      const ready = out;
      out = [];
      for (const piece of ready) yield* slices(piece);
      await turn();
    }
    return;
  }
  yield* slices(c === 'xz' ? await xz.decompress(body) : body);
}

/** A buffer in pieces of at most PIECE bytes, a turn of the loop apart. */
async function* slices(whole: Buffer): AsyncGenerator<Buffer> {
  for (let at = 0; at < whole.length; at += PIECE) {
    yield whole.subarray(at, at + PIECE);
    await turn();
  }
}

/** The whole decompressed body. */
export async function decompress(body: Buffer, c: Compression): Promise<Buffer> {
  if (c === 'none') return body;
  const parts: Buffer[] = [];
  for await (const p of inflate(body, c)) parts.push(p);
  return Buffer.concat(parts);
}
