// Filesystem BlobStore: blobs/sha256/ab/cd/<hex>. Writes go to tmp/, are fsynced, then renamed,
// so a crash leaves either no blob or a whole one (plus a temp file that start-up removes).
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, statfs, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  assertDigest,
  type BlobInfo,
  type BlobListing,
  type BlobReader,
  type BlobStore,
  SHA256_HEX,
} from '../blob-store.js';
import { spoolHashed } from '../spool.js';
import { closeFd, fstatBig, openRead, readAt } from './fd.js';

export class FsBlobStore implements BlobStore {
  readonly root: string;
  readonly tmpDir: string;
  readonly #blobDir: string;

  constructor(root: string) {
    this.root = root;
    this.#blobDir = join(root, 'blobs', 'sha256');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.#blobDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  /**
   * Removes temp files left by a crash: every one (only safe before any fill starts), or those
   * of one dead process (a cluster worker), which names them with its pid.
   */
  async removeTempFiles(ofPid?: number): Promise<number> {
    const all = await readdir(this.tmpDir).catch(() => [] as string[]);
    const names = ofPid === undefined ? all : all.filter((n) => n.startsWith(`${ofPid}-`));
    await Promise.all(names.map((n) => rm(join(this.tmpDir, n), { force: true, recursive: true })));
    return names.length;
  }

  tempPath(): string {
    const name = `${process.pid}-${Date.now()}-${randomBytes(8).toString('hex')}.part`;
    return join(this.tmpDir, name);
  }

  localPath(digest: string): string {
    assertDigest(digest);
    return join(this.#blobDir, digest.slice(0, 2), digest.slice(2, 4), digest);
  }

  async put(source: AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const tmp = this.tempPath();
    try {
      const blob = await spoolHashed(source, tmp);
      await fsyncPath(tmp);
      await this.importFile(tmp, blob);
      return blob;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async importFile(path: string, blob: BlobInfo): Promise<void> {
    const dest = this.localPath(blob.digest);
    await mkdir(join(dest, '..'), { recursive: true });
    await rename(path, dest);
    await fsyncPath(join(dest, '..'));
  }

  async open(digest: string): Promise<BlobReader | undefined> {
    let fd: number;
    try {
      fd = await openRead(this.localPath(digest));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    // A plain descriptor's number is reused by the next open once closed, so it is closed only
    // after the reads in flight are done, and no read starts after close (as FileHandle does).
    let closing: Promise<void> | null = null;
    let busy = 0;
    let idle: (() => void) | null = null;
    const close = (): Promise<void> => {
      closing ??= (async () => {
        if (busy > 0) await new Promise<void>((r) => (idle = r));
        await closeFd(fd).catch(() => undefined);
      })();
      return closing;
    };
    try {
      const st = await fstatBig(fd);
      const size = Number(st.size);
      return {
        size,
        identity: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`,
        async read(position, length) {
          if (closing) throw new Error('blob reader used after close');
          busy++;
          try {
            const buf = Buffer.allocUnsafe(length);
            let n = 0;
            while (n < length) {
              const bytesRead = await readAt(fd, buf, n, length - n, position + n);
              if (bytesRead === 0) break;
              n += bytesRead;
            }
            return n === length ? buf : buf.subarray(0, n);
          } finally {
            if (--busy === 0) idle?.();
          }
        },
        close,
      };
    } catch (err) {
      await close();
      throw err;
    }
  }

  async stat(digest: string): Promise<BlobInfo | undefined> {
    try {
      const s = await stat(this.localPath(digest));
      return { digest, size: s.size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(digest: string): Promise<void> {
    await unlink(this.localPath(digest)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async *list(): AsyncIterable<BlobListing> {
    for (const a of await readdirSafe(this.#blobDir)) {
      for (const b of await readdirSafe(join(this.#blobDir, a))) {
        for (const name of await readdirSafe(join(this.#blobDir, a, b))) {
          if (!SHA256_HEX.test(name)) continue;
          const s = await stat(join(this.#blobDir, a, b, name)).catch(() => undefined);
          if (s?.isFile()) yield { digest: name, size: s.size, modifiedMs: s.mtimeMs };
        }
      }
    }
  }

  async free(): Promise<number | null> {
    const s = await statfs(this.tmpDir);
    return s.bavail * s.bsize;
  }

  /** What a commit does, on a probe file: write and fsync in tmp/, rename into blobs/, remove. */
  async ping(): Promise<void> {
    const name = `.ready-${process.pid}-${randomBytes(4).toString('hex')}`;
    const tmp = join(this.tmpDir, name);
    const dest = join(this.#blobDir, name);
    try {
      const fh = await open(tmp, 'wx');
      try {
        await fh.write('ready');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, dest);
      await unlink(dest);
    } finally {
      await rm(tmp, { force: true });
    }
  }
}

export async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function readdirSafe(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}
