// Writes a stream to a new local file while hashing it: what a BlobStore's put() does before
// the verified file is adopted (renamed into place, or uploaded).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { BlobInfo } from './blob-store.js';

export async function spoolHashed(
  source: AsyncIterable<Uint8Array>,
  path: string,
): Promise<BlobInfo> {
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  await pipeline(source, counter, createWriteStream(path, { flags: 'wx' }));
  return { digest: hash.digest('hex'), size };
}
