// Module zips from `git archive` output, by the rules of golang.org/x/mod/zip and cmd/go's
// coderepo: files under the module's directory, renamed to "<module>@<version>/<name>"; vendored
// packages, nested modules, symlinks and irregular files left out; invalid names, case-fold
// collisions and oversized files refused; a module in a subdirectory without a LICENSE gets the
// repository root's LICENSE.
import { PassThrough, type Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import yazl from 'yazl';
import { checkFilePath } from '../module-path.js';
import { ZipViewReader, type RandomAccess } from '../zip-view.js';

export const MAX_ZIP = 500 * 1024 * 1024;
export const MAX_GO_MOD = 16 * 1024 * 1024;
export const MAX_LICENSE = 16 * 1024 * 1024;

/** A module whose files break the zip rules: "not a valid module", not an outage. */
export class InvalidModuleError extends Error {}

interface ArchiveFile {
  name: string;
  entry: Entry;
  mode: number;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function isVendoredPackage(name: string): boolean {
  let i: number;
  if (name.startsWith('vendor/')) i = 'vendor/'.length;
  else if (name.includes('/vendor/'))
    i = '/vendor/'.length; // sic: x/mod keeps this offset
  else return false;
  return name.slice(i).includes('/');
}

function readArchive(view: RandomAccess): Promise<{ zip: ZipFile; files: ArchiveFile[] }> {
  return new Promise((resolve, reject) => {
    yauzl.fromRandomAccessReader(
      new ZipViewReader(view),
      view.size,
      { lazyEntries: true, autoClose: false },
      (err, zip) => {
        if (err || !zip) return reject(err ?? new Error('not a zip'));
        const files: ArchiveFile[] = [];
        zip.on('entry', (entry: Entry) => {
          files.push({
            name: entry.fileName,
            entry,
            mode: (entry.externalFileAttributes >>> 16) & 0xffff,
          });
          zip.readEntry();
        });
        zip.on('end', () => resolve({ zip, files }));
        zip.on('error', reject);
        zip.readEntry();
      },
    );
  });
}

/** Keeps the files x/mod would keep; throws InvalidModuleError where it would refuse. */
function select(files: ArchiveFile[], subdir: string): ArchiveFile[] {
  const prefix = `prefix/${subdir ? `${subdir}/` : ''}`;
  const inDir = files
    .filter((f) => f.name.startsWith(prefix) && !f.name.endsWith('/'))
    .map((f) => ({ ...f, name: f.name.slice(prefix.length) }));
  const goModDirs = new Set(
    inDir
      .filter((f) => /(^|\/)go\.mod$/i.test(f.name) && (f.mode & S_IFMT) !== S_IFLNK)
      .map((f) => f.name.slice(0, f.name.lastIndexOf('/') + 1)),
  );
  const inSubmodule = (p: string): boolean => {
    for (let dir = p.slice(0, p.lastIndexOf('/') + 1); dir !== '';) {
      if (goModDirs.has(dir)) return true;
      const trimmed = dir.slice(0, -1);
      dir = trimmed.slice(0, trimmed.lastIndexOf('/') + 1);
    }
    return false;
  };
  const seen = new Map<string, { path: string; dir: boolean }>();
  const collide = (p: string, dir: boolean): void => {
    const fold = p.toLowerCase();
    const other = seen.get(fold);
    if (other && other.path !== p)
      throw new InvalidModuleError(
        `case-insensitive file name collision: "${other.path}" and "${p}"`,
      );
    if (other && other.dir !== dir)
      throw new InvalidModuleError(`entry "${p}" is both a file and a directory`);
    if (other && !dir) throw new InvalidModuleError(`multiple entries for file "${p}"`);
    seen.set(fold, { path: p, dir });
    const parent = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
    if (parent) collide(parent, true);
  };
  const kept: ArchiveFile[] = [];
  let total = 0;
  for (const f of inDir) {
    if (isVendoredPackage(f.name) || inSubmodule(f.name) || f.name === '.hg_archival.txt') continue;
    const why = checkFilePath(f.name);
    if (why) throw new InvalidModuleError(`malformed file path "${f.name}": ${why}`);
    if (f.name.toLowerCase() === 'go.mod' && f.name !== 'go.mod')
      throw new InvalidModuleError(`go.mod file not in module root directory: ${f.name}`);
    collide(f.name, false);
    const type = f.mode & S_IFMT;
    // git archive stores regular files with a mode; entries without one count as regular.
    if (type === S_IFLNK || (type !== 0 && type !== S_IFREG)) continue;
    const size = f.entry.uncompressedSize;
    total += size;
    if (total > MAX_ZIP)
      throw new InvalidModuleError(`module source tree too large (max size is ${MAX_ZIP} bytes)`);
    if (f.name === 'go.mod' && size > MAX_GO_MOD)
      throw new InvalidModuleError('go.mod file too large');
    if (f.name === 'LICENSE' && size > MAX_LICENSE)
      throw new InvalidModuleError('LICENSE file too large');
    kept.push(f);
  }
  return kept;
}

function open(zip: ZipFile, entry: Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (err, s) =>
      err || !s ? reject(err ?? new Error('unreadable entry')) : resolve(s),
    ),
  );
}

/**
 * The module zip for `module@version` from an archive of the commit. `rootLicense` supplies the
 * repository root's LICENSE for modules in subdirectories.
 */
export async function moduleZip(
  archive: RandomAccess,
  subdir: string,
  moduleAtVersion: string,
  rootLicense: () => Promise<Buffer | null>,
): Promise<Readable> {
  const { zip, files } = await readArchive(archive);
  try {
    return await build(zip, files, archive, subdir, moduleAtVersion, rootLicense);
  } catch (err) {
    zip.close();
    await archive.close?.();
    throw err;
  }
}

async function build(
  zip: ZipFile,
  files: ArchiveFile[],
  archive: RandomAccess,
  subdir: string,
  moduleAtVersion: string,
  rootLicense: () => Promise<Buffer | null>,
): Promise<Readable> {
  const kept = select(files, subdir);
  const out = new yazl.ZipFile();
  const mtime = new Date(Date.UTC(2019, 9, 1));
  for (const f of kept) {
    out.addReadStream(await open(zip, f.entry), `${moduleAtVersion}/${f.name}`, {
      mtime,
      mode: 0o100644,
      size: f.entry.uncompressedSize,
    });
  }
  if (subdir && !kept.some((f) => f.name === 'LICENSE')) {
    const license = await rootLicense();
    if (license) out.addBuffer(license, `${moduleAtVersion}/LICENSE`, { mtime, mode: 0o100644 });
  }
  out.end();
  const body = new PassThrough();
  out.outputStream.pipe(body);
  out.outputStream.once('end', () => {
    zip.close();
    void archive.close?.();
  });
  out.outputStream.once('error', (e: Error) => body.destroy(e));
  return body;
}
