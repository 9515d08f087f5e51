// h1: hashes (golang.org/x/mod/sumdb/dirhash Hash1): sha256 over the lines
// "<hex sha256 of file>  <name>\n" for every file, sorted by name, base64-encoded.
import { createHash } from 'node:crypto';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import type { BodyView } from '../../engine/types.js';
import { ZipViewReader } from './zip-view.js';

export function hash1(files: ReadonlyArray<{ name: string; sha256: string }>): string {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const summary = createHash('sha256');
  for (const f of sorted) {
    if (f.name.includes('\n'))
      throw new Error(`file name with a newline: ${JSON.stringify(f.name)}`);
    summary.update(`${f.sha256}  ${f.name}\n`);
  }
  return `h1:${summary.digest('base64')}`;
}

/** The h1: of a go.mod file, as go.sum's "/go.mod" lines record it. */
export function hashGoMod(content: Buffer): string {
  return hash1([{ name: 'go.mod', sha256: createHash('sha256').update(content).digest('hex') }]);
}

/** The h1: of a module zip, over every entry as dirhash.HashZip reads it. */
export function hashZip(view: BodyView): Promise<string> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      new ZipViewReader(view),
      view.size,
      { lazyEntries: true, validateEntrySizes: true, strictFileNames: false },
      (err, zip) => {
        if (err || !zip) return reject(err ?? new Error('not a zip'));
        walk(zip).then(resolve, reject);
      },
    );
  });
}

function walk(zip: ZipFile): Promise<string> {
  const files: Array<{ name: string; sha256: string }> = [];
  return new Promise((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', () => {
      try {
        resolve(hash1(files));
      } catch (err) {
        reject(err as Error);
      }
    });
    zip.on('entry', (entry: Entry) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err || !stream) return reject(err ?? new Error(`cannot read ${entry.fileName}`));
        const h = createHash('sha256');
        stream.on('data', (c: Buffer) => h.update(c));
        stream.on('error', reject);
        stream.on('end', () => {
          files.push({ name: entry.fileName, sha256: h.digest('hex') });
          zip.readEntry();
        });
      });
    });
    zip.readEntry();
  });
}
