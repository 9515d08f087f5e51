// Where one gzip member ends in a buffer that holds several (RFC 1952), and the entries of the
// tar segments inside: apk files and APKINDEX.tar.gz are concatenated gzip streams, and their
// checksums cover one member's raw bytes. The header is read by hand; the deflate data by zlib,
// which says how much input it used.
import { inflateRawSync } from 'node:zlib';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;

export interface Member {
  start: number;
  /** The offset just past the member's trailer. */
  end: number;
  /** The decompressed bytes. */
  data: Buffer;
}

/** The gzip member that starts at `start`; throws when there is none, or it is cut short. */
export function memberAt(buf: Buffer, start: number): Member {
  if (buf[start] !== 0x1f || buf[start + 1] !== 0x8b || buf[start + 2] !== 8) {
    throw new Error(`no gzip member at byte ${start}`);
  }
  const flags = buf[start + 3] as number;
  let at = start + 10;
  if (flags & FEXTRA) at += 2 + buf.readUInt16LE(at);
  for (const flag of [FNAME, FCOMMENT]) {
    if (!(flags & flag)) continue;
    const nul = buf.indexOf(0, at);
    if (nul === -1) throw new Error('gzip header cut short');
    at = nul + 1;
  }
  if (flags & FHCRC) at += 2;
  if (at > buf.length) throw new Error('gzip header cut short');
  const out = inflateRawSync(buf.subarray(at), { info: true }) as unknown as {
    buffer: Buffer;
    engine: { bytesWritten: number };
  };
  const end = at + out.engine.bytesWritten + 8;
  if (end > buf.length) throw new Error('gzip member cut short');
  if (buf.readUInt32LE(end - 4) !== out.buffer.length >>> 0) {
    throw new Error('gzip member length does not match its trailer');
  }
  return { start, end, data: out.buffer };
}

/**
 * The entries of uncompressed tar segments, as apk writes them: concatenated, the first ones
 * without end-of-archive blocks. (Small bodies only: a signature, a control part, an index.)
 */
export function* tarEntries(tar: Buffer): Generator<{ name: string; body: Buffer }> {
  const field = (h: Buffer, from: number, to: number): string =>
    h.toString('latin1', from, to).replace(/\0.*$/s, '').trim();
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) {
      at += 512;
      continue;
    }
    const size = parseInt(field(header, 124, 136) || '0', 8);
    if (!Number.isSafeInteger(size)) throw new Error('tar header with a bad size');
    const name = header.toString('utf8', 0, 100).replace(/\0.*$/s, '');
    yield { name, body: tar.subarray(at + 512, at + 512 + size) };
    at += 512 + Math.ceil(size / 512) * 512;
  }
}
