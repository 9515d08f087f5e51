// Packages and Sources indexes: which files they list, with sizes and digests, after undoing
// the compression the repository used (xz, gzip, or none).
import type { ExpectedDigest } from '../../engine/types.js';
import type { PackageRef } from '../../repos/repo-format.js';
import { compressionOf, decompress } from '../../repos/decompress.js';
import { checksumLines, paragraphs, type Paragraph } from './control-file.js';

const INDEX = /(^|\/)(Packages|Sources)(\.(xz|gz|bz2|lzma|zst|lz4))?$/;
const READABLE = /(^|\/)(Packages|Sources)(\.(xz|gz|zst))?$/;

/** The uncompressed name of a package index (`main/binary-amd64/Packages`), or null. */
export function indexBase(path: string): string | null {
  const m = INDEX.exec(path);
  return m ? path.slice(0, path.length - (m[3]?.length ?? 0)) : null;
}

export const readable = (path: string): boolean => READABLE.test(path);

const FIELD_DIGESTS: ReadonlyArray<[string, ExpectedDigest['algorithm']]> = [
  ['sha256', 'sha256'],
  ['sha512', 'sha512'],
  ['sha1', 'sha1'],
  ['md5sum', 'md5'],
];

const SOURCE_DIGESTS: ReadonlyArray<[string, ExpectedDigest['algorithm']]> = [
  ['checksums-sha256', 'sha256'],
  ['checksums-sha512', 'sha512'],
  ['checksums-sha1', 'sha1'],
  ['files', 'md5'],
];

/**
 * The text of a control file in pieces of about `size` bytes that end between paragraphs, with
 * a turn of the event loop between them: Debian's main Packages is 50 MB of text, and reading
 * it must not hold up requests.
 */
export async function* pieces(raw: Buffer, size = 1 << 20): AsyncGenerator<string> {
  for (let from = 0; from < raw.length;) {
    let to = from + size >= raw.length ? raw.length : raw.indexOf('\n\n', from + size);
    to = to === -1 ? raw.length : to + 2;
    yield raw.toString('utf8', from, to);
    from = to;
    await new Promise((r) => setImmediate(r));
  }
}

/** Every file a Packages or Sources index lists (paths below the archive base), piece by piece. */
export async function* readIndex(path: string, body: Buffer): AsyncGenerator<PackageRef[]> {
  const raw = await decompress(body, compressionOf(path) ?? 'none');
  const sources = /(^|\/)Sources(\.[a-z0-9]+)?$/.test(path);
  for await (const text of pieces(raw)) {
    const out: PackageRef[] = [];
    for (const p of paragraphs(text)) read(p, sources, out);
    yield out;
  }
}

/** The files one paragraph lists, added to `out`. */
function read(p: Paragraph, sources: boolean, out: PackageRef[]): void {
  if (!sources) {
    const filename = p.get('filename');
    const size = Number(p.get('size'));
    if (!filename || !Number.isSafeInteger(size)) return;
    const digests = FIELD_DIGESTS.flatMap(([f, algorithm]) => {
      const hex = p.get(f)?.toLowerCase();
      return hex && /^[0-9a-f]+$/.test(hex) ? [{ algorithm, hex }] : [];
    });
    if (digests.length) out.push({ path: filename, size, digests });
    return;
  }
  const dir = p.get('directory') ?? '';
  const byName = new Map<string, PackageRef>();
  for (const [f, algorithm] of SOURCE_DIGESTS) {
    for (const { hex, size, name } of checksumLines(p.get(f) ?? '')) {
      const at = dir ? `${dir}/${name}` : name;
      const ref = byName.get(at) ?? { path: at, size, digests: [] };
      ref.digests.push({ algorithm, hex });
      byName.set(at, ref);
    }
  }
  out.push(...byName.values());
}
