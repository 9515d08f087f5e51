// Where one gzip member ends in a buffer that holds several (RFC 1952): apk files and
// APKINDEX.tar.gz are concatenated gzip streams, and their checksums cover one member's raw
// bytes, which no gzip library reports. The header is read by hand; the deflate data by zlib,
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
