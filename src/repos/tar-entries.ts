// The files of a (compressed) tar archive that a caller wants, one at a time: pacman's
// databases are tars of `<name>-<version>/desc` files, Alpine's APKINDEX a tar of APKINDEX
// (apk's segments, concatenated without end blocks, read as one archive).
import { Readable } from 'node:stream';
import { extract } from 'tar-stream';
import { inflate, type Compression } from './decompress.js';

export interface TarFile {
  name: string;
  body: Buffer;
}

/** Regular files whose name `want` accepts, in archive order; the rest are skipped unread. */
export async function* tarFiles(
  body: Buffer,
  c: Compression,
  want: (name: string) => boolean,
): AsyncGenerator<TarFile> {
  const ex = extract();
  Readable.from(inflate(body, c))
    .on('error', (err) => ex.destroy(err))
    .pipe(ex);
  for await (const entry of ex) {
    const name = entry.header.name;
    if (entry.header.type !== 'file' || !want(name)) {
      entry.resume();
      continue;
    }
    const parts: Buffer[] = [];
    for await (const chunk of entry) parts.push(chunk as Buffer);
    yield { name, body: Buffer.concat(parts) };
  }
}

/** The first regular file whose name `want` accepts, or undefined. */
export async function firstTarFile(
  body: Buffer,
  c: Compression,
  want: (name: string) => boolean,
): Promise<TarFile | undefined> {
  for await (const f of tarFiles(body, c, want)) return f;
  return undefined;
}
