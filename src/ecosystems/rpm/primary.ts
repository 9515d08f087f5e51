// The packages an RPM repository lists: primary.xml's `<package>` (the pkgid checksum, the
// package size and location) and prestodelta's `<delta>` (a .drpm's file name, size and
// checksum), read as the decompressed XML streams by.
import type { PackageRef } from '../../repos/repo-format.js';
import { compressionOf, inflate } from '../../repos/decompress.js';
import { checksumOf, countOf, recordFeeder } from './rpm-xml.js';

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

/** Every package (and delta package) one primary or prestodelta lists, a batch at a time. */
export async function* readPackageList(path: string, body: Buffer): AsyncGenerator<PackageRef[]> {
  const c = compressionOf(path);
  if (c === null) throw new Error(`${path}: compression not supported`);
  let batch: PackageRef[] = [];
  const fields = ['checksum', 'location', 'filename', 'size'];
  const feeder = recordFeeder(['package', 'delta'], fields, (r) => {
    const f = (name: string) => r.fields.get(name);
    const location = f('location')?.attrs;
    // Packages on another server (xml:base) are not Trove's to fetch.
    if (location?.['xml:base']) return;
    const path = location?.['href'] ?? f('filename')?.text.trim() ?? '';
    const size = f('size');
    const bytes = countOf(size?.attrs['package'] ?? size?.text);
    const checksum = f('checksum');
    const digest = checksum ? checksumOf(checksum.attrs['type'], checksum.text) : null;
    if (path && bytes !== null && digest) batch.push({ path, size: bytes, digests: [digest] });
  });
  for await (const piece of inflate(body, c)) {
    feeder.write(piece);
    if (batch.length) yield batch;
    batch = [];
  }
  feeder.end();
  if (batch.length) yield batch;
}
