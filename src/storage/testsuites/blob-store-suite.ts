// The BlobStore conformance suite: every driver runs it (see test/unit/fs-blob-store.test.ts).
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BlobStore } from '../blob-store.js';

/** The whole blob through `open`, or undefined when it does not exist. */
async function readAll(store: BlobStore, digest: string): Promise<Buffer | undefined> {
  const blob = await store.open(digest);
  if (!blob) return undefined;
  try {
    return await blob.read(0, blob.size);
  } finally {
    await blob.close();
  }
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function blobStoreSuite(name: string, create: () => Promise<BlobStore>): void {
  describe(`BlobStore conformance: ${name}`, () => {
    it('puts a stream and reads it back by digest', async () => {
      const store = await create();
      const body = Buffer.from('hello, trove\n'.repeat(1000));
      const info = await store.put(Readable.from([body.subarray(0, 7), body.subarray(7)]));
      expect(info).toEqual({ digest: sha(body), size: body.length });
      expect(await readAll(store, info.digest)).toEqual(body);
      expect(await store.stat(info.digest)).toEqual(info);
    });

    it('is idempotent for the same content', async () => {
      const store = await create();
      const body = Buffer.from('same bytes');
      const a = await store.put(Readable.from([body]));
      const b = await store.put(Readable.from([body]));
      expect(a).toEqual(b);
      const listed = [];
      for await (const l of store.list()) listed.push(l.digest);
      expect(listed.filter((d) => d === a.digest)).toHaveLength(1);
    });

    it('reads at any position, and short only past the end', async () => {
      const store = await create();
      const body = Buffer.from('0123456789abcdef');
      const { digest } = await store.put(Readable.from([body]));
      const blob = await store.open(digest);
      expect(blob?.size).toBe(16);
      expect((await blob?.read(3, 4))?.toString()).toBe('3456');
      expect((await blob?.read(15, 1))?.toString()).toBe('f');
      expect((await blob?.read(12, 10))?.toString()).toBe('cdef');
      expect(await blob?.read(16, 4)).toHaveLength(0);
      await blob?.close();
      expect(await store.open(sha(Buffer.from('absent')))).toBeUndefined();
    });

    it('closes only after the reads in flight, and refuses reads after close', async () => {
      const store = await create();
      const body = Buffer.alloc(256 * 1024, 7);
      const { digest } = await store.put(Readable.from([body]));
      const blob = await store.open(digest);
      if (!blob) throw new Error('blob missing');
      const reads = [blob.read(0, body.length), blob.read(1000, 10)];
      const closed = blob.close();
      const [whole, part] = await Promise.all(reads);
      await closed;
      expect(whole?.equals(body)).toBe(true);
      expect(part?.equals(body.subarray(1000, 1010))).toBe(true);
      await expect(blob.read(0, 1)).rejects.toThrow();
      await blob.close();
      // Opened again, the blob reads whole: nothing above touched a descriptor reused since.
      const again = await store.open(digest);
      expect((await again?.read(0, body.length))?.equals(body)).toBe(true);
      await again?.close();
    });

    it('handles an empty blob', async () => {
      const store = await create();
      const info = await store.put(Readable.from([]));
      expect(info.size).toBe(0);
      expect(info.digest).toBe(sha(Buffer.alloc(0)));
      expect(await readAll(store, info.digest)).toHaveLength(0);
    });

    it('adopts a verified local file', async () => {
      const store = await create();
      const body = Buffer.from('imported');
      const path = join(tmpdir(), `trove-import-${process.pid}-${Date.now()}`);
      await writeFile(path, body);
      await store.importFile(path, { digest: sha(body), size: body.length });
      expect(await readAll(store, sha(body))).toEqual(body);
    });

    it('reports unknown digests as absent and deletes idempotently', async () => {
      const store = await create();
      const missing = sha(Buffer.from('never stored'));
      expect(await store.stat(missing)).toBeUndefined();
      await store.delete(missing);
      const { digest } = await store.put(Readable.from([Buffer.from('to delete')]));
      await store.delete(digest);
      expect(await store.stat(digest)).toBeUndefined();
    });

    it('lists stored blobs with sizes', async () => {
      const store = await create();
      const bodies = ['a', 'bb', 'ccc'].map((s) => Buffer.from(s));
      for (const b of bodies) await store.put(Readable.from([b]));
      const seen = new Map<string, number>();
      for await (const l of store.list()) seen.set(l.digest, l.size);
      for (const b of bodies) expect(seen.get(sha(b))).toBe(b.length);
    });

    it('leaves nothing behind when the source stream fails', async () => {
      const store = await create();
      const failing = (async function* () {
        yield Buffer.from('partial');
        throw new Error('source broke');
      })();
      await expect(store.put(failing)).rejects.toThrow('source broke');
      expect(await store.stat(sha(Buffer.from('partial')))).toBeUndefined();
    });

    it('rejects malformed digests', async () => {
      const store = await create();
      await expect(store.stat('../../etc/passwd')).rejects.toThrow();
    });

    it('says how much room is left, or that it does not know', async () => {
      const store = await create();
      const free = await store.free();
      expect(free === null || (Number.isInteger(free) && free >= 0)).toBe(true);
    });

    it('answers ping when healthy', async () => {
      const store = await create();
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
