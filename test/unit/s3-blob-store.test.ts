// The S3 BlobStore against a real S3 server (Ceph RGW 16.2 on loopback, one per file): the
// conformance suite, then what replicas sharing one bucket rely on.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3BlobStore, type S3Options } from '../../src/storage/s3/s3-blob-store.js';
import { blobStoreSuite } from '../../src/storage/testsuites/blob-store-suite.js';
import { requireRgw, startRgw, type Rgw } from '../helpers/rgw.js';

const enabled = requireRgw();
let rgw: Rgw;
const stores: S3BlobStore[] = [];

const bucket = (): Promise<string> => rgw.bucket();

const spoolDir = mkdtempSync(join(tmpdir(), 'trove-s3-'));

function store(name: string, over: Partial<S3Options> = {}): S3BlobStore {
  const s = new S3BlobStore({
    bucket: name,
    endpoint: rgw.endpoint,
    pathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    tempPath: () => join(spoolDir, `${randomBytes(8).toString('hex')}.part`),
    ...over,
  });
  stores.push(s);
  return s;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function spooled(body: Buffer): string {
  const path = join(mkdtempSync(join(tmpdir(), 'trove-s3-src-')), 'blob');
  writeFileSync(path, body);
  return path;
}

describe.skipIf(!enabled)('S3BlobStore', () => {
  beforeAll(async () => {
    rgw = await startRgw();
  }, 120_000);
  afterAll(async () => {
    for (const s of stores) s.close();
    await rgw?.stop();
  });

  blobStoreSuite('s3 (RGW)', async () => store(await bucket()));
  blobStoreSuite('s3 (RGW), under a prefix', async () =>
    store(await bucket(), { prefix: 'cache/a/' }),
  );

  it('keeps the first copy when replicas store one digest at the same moment', async () => {
    const name = await bucket();
    const replicas = [store(name), store(name), store(name)];
    const body = randomBytes(256 * 1024);
    const blob = { digest: sha(body), size: body.length };
    const paths = Array.from({ length: 12 }, () => spooled(body));
    await Promise.all(paths.map((p, i) => replicas[i % 3]?.importFile(p, blob)));
    for (const p of paths) expect(existsSync(p)).toBe(false);
    const listed = [];
    for await (const l of replicas[0]!.list()) listed.push(l);
    expect(listed.map((l) => l.digest)).toEqual([blob.digest]);
    const reader = await replicas[2]?.open(blob.digest);
    expect(sha((await reader?.read(0, body.length)) as Buffer)).toBe(blob.digest);
    await reader?.close();
  });

  it('uploads a large blob in parts and streams it back, front to back and after a jump', async () => {
    const s = store(await bucket(), {
      multipartThreshold: 6 * 1024 * 1024,
      partSize: 5 * 1024 * 1024,
    });
    const body = randomBytes(13 * 1024 * 1024 + 17);
    const info = await s.put(Readable.from([body.subarray(0, 1000), body.subarray(1000)]));
    expect(info).toEqual({ digest: sha(body), size: body.length });
    expect(await s.stat(info.digest)).toEqual(info);
    const reader = await s.open(info.digest);
    expect(reader?.size).toBe(body.length);
    const chunks: Buffer[] = [];
    for (let at = 0; at < body.length; at += 1024 * 1024) {
      chunks.push((await reader?.read(at, 1024 * 1024)) as Buffer);
    }
    expect(sha(Buffer.concat(chunks))).toBe(info.digest);
    // Backwards and sideways: each jump opens a new ranged read.
    expect(await reader?.read(5, 10)).toEqual(body.subarray(5, 15));
    expect(await reader?.read(body.length - 3, 10)).toEqual(body.subarray(body.length - 3));
    expect(await reader?.read(100, 4)).toEqual(body.subarray(100, 104));
    await reader?.close();
    // Adopting it again is a no-op, and removes the local copy.
    const again = spooled(body);
    await s.importFile(again, info);
    expect(existsSync(again)).toBe(false);
  });

  it('gives identities that change when a blob is stored again', async () => {
    const s = store(await bucket());
    const body = Buffer.from('identity');
    const { digest } = await s.put(Readable.from([body]));
    const first = await s.open(digest);
    await first?.close();
    await s.delete(digest);
    expect(await s.open(digest)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1100));
    await s.put(Readable.from([body]));
    const second = await s.open(digest);
    await second?.close();
    expect(first?.identity).toBeTruthy();
    expect(second?.identity).not.toBe(first?.identity);
  });

  it('fails ping for a bucket that does not exist or credentials that are wrong', async () => {
    await expect(store('no-such-bucket').ping()).rejects.toThrow();
    const name = await bucket();
    const wrong = store(name, {
      credentials: { accessKeyId: 'TROVEKEY', secretAccessKey: 'nope' },
    });
    await expect(wrong.ping()).rejects.toThrow();
    await expect(store(name).ping()).resolves.toBeUndefined();
  });

  it('never lands bytes that do not hash to the digest they are stored under', async () => {
    const s = store(await bucket());
    const body = Buffer.from('the bytes on disk');
    const claimed = sha(Buffer.from('what the caller claims'));
    await expect(
      s.importFile(spooled(body), { digest: claimed, size: body.length }),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 400 } });
    expect(await s.stat(claimed)).toBeUndefined();
  });
});
