// The packages an RPM repository lists: primary.xml's `<package>` (the pkgid checksum, the
// package size and location) and prestodelta's `<delta>` (a .drpm's file name, size and
// checksum), read as the decompressed XML streams by.
import type { PackageRef } from '../../repos/repo-format.js';
import { compressionOf, inflate } from '../../repos/decompress.js';
import { checksumOf, countOf, xmlFeeder } from './rpm-xml.js';

const PRIMARY = /(^|[/-])primary\.(xml|sqlite)(\.[a-z0-9]+)?$/;
const DELTAS = /(^|[/-])(prestodelta|deltainfo)\.xml(\.[a-z0-9]+)?$/;
const READABLE_XML = /\.xml(\.(gz|xz|zst))?$/;

/** `primary` or `deltas` for a data file that lists packages, else null. */
export function listKind(path: string): 'primary' | 'deltas' | null {
  if (PRIMARY.test(path)) return 'primary';
  if (DELTAS.test(path)) return 'deltas';
  return null;
}

/** True when Trove can read this data file's packages (XML, plain or gz/xz/zst). */
export const readableList = (path: string): boolean =>
  listKind(path) !== null && READABLE_XML.test(path);

interface Open {
  path: string;
  size: number | null;
  digest: PackageRef['digests'][number] | null;
  skip: boolean;
}

/** Every package (and delta package) one primary or prestodelta lists, a batch at a time. */
export async function* readPackageList(path: string, body: Buffer): AsyncGenerator<PackageRef[]> {
  const c = compressionOf(path);
  if (c === null) throw new Error(`${path}: compression not supported`);
  let batch: PackageRef[] = [];
  let cur: Open | null = null;
  let field: string | null = null;
  let checksumType: string | undefined;
  let text = '';
  const feeder = xmlFeeder({
    open(name, attrs) {
      if (name === 'package' || name === 'delta') {
        cur = { path: '', size: null, digest: null, skip: false };
        return;
      }
      const o = cur as Open | null;
      if (!o) return;
      if (name === 'location') {
        o.path = attrs['href'] ?? '';
        o.skip = Boolean(attrs['xml:base']);
      } else if (name === 'size' && attrs['package'] !== undefined) {
        o.size = countOf(attrs['package']);
      } else if (name === 'checksum' || name === 'filename' || name === 'size') {
        field = name;
        checksumType = attrs['type'];
        text = '';
      }
    },
    text(t) {
      if (field) text += t;
    },
    close(name) {
      const o = cur as Open | null;
      if (!o) return;
      if (name === field) {
        if (name === 'checksum') o.digest = checksumOf(checksumType, text);
        else if (name === 'filename') o.path = text.trim();
        else o.size = countOf(text);
        field = null;
      } else if (name === 'package' || name === 'delta') {
        if (!o.skip && o.path && o.size !== null && o.digest) {
          batch.push({ path: o.path, size: o.size, digests: [o.digest] });
        }
        cur = null;
      }
    },
  });
  for await (const piece of inflate(body, c)) {
    feeder.write(piece);
    if (batch.length) yield batch;
    batch = [];
  }
  feeder.end();
  if (batch.length) yield batch;
}
