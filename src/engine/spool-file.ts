// The spool file of a fill: one handle for writing and for every reader's positional reads,
// opened while the upstream request is in flight, removed when the fill fails.
import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { TroveError } from '../errors.js';
import { storageError } from '../storage/storage-error.js';
import { transportError } from '../upstream/errors.js';
import type { BodyView } from './types.js';

/** The spool file: one handle for writing and for every reader's positional reads. */
export type Spool = { path: string; fh: FileHandle } | { path: string; error: unknown };

export function openSpool(path: string): Promise<Spool> {
  return open(path, 'wx+').then(
    (fh) => ({ path, fh }),
    (error: unknown) => ({ path, error }),
  );
}

export async function dropSpool(s: Spool): Promise<void> {
  if ('error' in s) return;
  await s.fh.close().catch(() => undefined);
  await unlink(s.path).catch(() => undefined);
}

export function bodyView(
  fh: FileHandle,
  size: number,
  sha256: string,
  headers: Record<string, string>,
): BodyView {
  return {
    size,
    sha256,
    headers,
    async read(position, length) {
      const len = Math.max(0, Math.min(length, size - position));
      const buf = Buffer.allocUnsafe(len);
      const { bytesRead } = await fh.read(buf, 0, len, position);
      return bytesRead === len ? buf : buf.subarray(0, bytesRead);
    },
  };
}

export async function writeAll(fh: FileHandle, chunk: Buffer, position: number): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, position + off);
    off += bytesWritten;
  }
}

export function spoolError(err: unknown): TroveError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code && /^(ENOSPC|EDQUOT|EIO|EROFS|EBADF|EACCES)$/.test(code)) {
    return storageError(err, 'writing the spool file');
  }
  return transportError(err, 'upstream body failed');
}
