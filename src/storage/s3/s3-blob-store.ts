// S3-compatible BlobStore: blobs/sha256/ab/cd/<hex> under an optional prefix in one bucket,
// content-addressed like the fs driver. A write is conditional (If-None-Match: *), so a copy
// that another replica stored first is kept, never rewritten; large blobs go up in parts from
// the verified local spool file. Reads stream one GET per sequential pass.
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { Agent as HttpAgent } from 'node:http';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import {
  assertDigest,
  type BlobInfo,
  type BlobListing,
  type BlobReader,
  type BlobStore,
  SHA256_HEX,
} from '../blob-store.js';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { spoolHashed } from '../spool.js';
import { StreamCursor } from './stream-cursor.js';
import { sleep } from '../../util/sleep.js';

export interface S3Options {
  bucket: string;
  /** Key prefix inside the bucket (e.g. `trove/`), so one bucket can hold several caches. */
  prefix?: string;
  /** A custom endpoint (RGW, MinIO, R2); AWS when absent. */
  endpoint?: string;
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  pathStyle?: boolean;
  /** Static credentials; else the SDK's chain (env, shared files, instance or pod role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** PEM bundle trusted for the endpoint's TLS. */
  ca?: string;
  /** A new local temp path, where put() spools a stream before it uploads it. */
  tempPath(): string;
  /** Blobs at least this big go up in parts (bytes, default 64 MiB). */
  multipartThreshold?: number;
  /** Size of each part (bytes, default 16 MiB; S3 needs at least 5 MiB). */
  partSize?: number;
  /** Connections to the endpoint at most (default 64). */
  maxConnections?: number;
  /** The endpoint as clients reach it, for presigned URLs (default: `endpoint`). */
  publicEndpoint?: string;
}

const isMissing = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};
const status = (err: unknown): number | undefined =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

const retryable = (err: unknown): boolean => {
  const code = status(err);
  return code === undefined || code === 409 || code >= 500;
};

// The SDK warns on the console about every failed streamed request, even an expected 412;
// failures reach the caller as errors instead.
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export class S3BlobStore implements BlobStore {
  readonly #s3: S3Client;
  /** Signs URLs for clients: the same client, or one for the public endpoint (no requests). */
  readonly #signer: S3Client;
  readonly #o: Required<Omit<S3Options, 'credentials' | 'ca' | 'endpoint' | 'publicEndpoint'>>;
  readonly #root: string;

  constructor(options: S3Options) {
    const agent = { keepAlive: true, maxSockets: options.maxConnections ?? 64 };
    this.#s3 = new S3Client({
      region: options.region ?? 'us-east-1',
      logger: quiet,
      forcePathStyle: options.pathStyle ?? false,
      // Checksums only where S3 demands them: S3-compatible servers reject the SDK's default
      // aws-chunked streaming checksums (RGW 16.2 answers 411); the digest is checked by Trove.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: {
        // A server that stops answering fails the request (and a body being read) instead of
        // holding a hit, or a commit, forever.
        connectionTimeout: 10_000,
        socketTimeout: 60_000,
        httpAgent: new HttpAgent(agent),
        httpsAgent: new HttpsAgent({ ...agent, ...(options.ca ? { ca: options.ca } : {}) }),
      },
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: options.credentials } : {}),
    });
    this.#signer = options.publicEndpoint
      ? new S3Client({
          region: options.region ?? 'us-east-1',
          logger: quiet,
          forcePathStyle: options.pathStyle ?? false,
          endpoint: options.publicEndpoint,
          ...(options.credentials ? { credentials: options.credentials } : {}),
        })
      : this.#s3;
    this.#o = {
      bucket: options.bucket,
      prefix: options.prefix ?? '',
      region: options.region ?? 'us-east-1',
      pathStyle: options.pathStyle ?? false,
      tempPath: options.tempPath,
      multipartThreshold: options.multipartThreshold ?? 64 * 1024 * 1024,
      partSize: Math.max(5 * 1024 * 1024, options.partSize ?? 16 * 1024 * 1024),
      maxConnections: options.maxConnections ?? 64,
    };
    this.#root = `${this.#o.prefix}blobs/sha256/`;
  }

  #key(digest: string): string {
    assertDigest(digest);
    return `${this.#root}${digest.slice(0, 2)}/${digest.slice(2, 4)}/${digest}`;
  }

  /** A presigned GET of the blob; the signature covers the Content-Type the bucket answers. */
  presign(digest: string, o: { expiresSec: number; contentType?: string }): Promise<string> {
    const get = new GetObjectCommand({
      Bucket: this.#o.bucket,
      Key: this.#key(digest),
      ...(o.contentType ? { ResponseContentType: o.contentType } : {}),
    });
    return getSignedUrl(this.#signer, get, { expiresIn: o.expiresSec });
  }

  async put(source: AsyncIterable<Uint8Array>): Promise<BlobInfo> {
    const tmp = this.#o.tempPath();
    try {
      const blob = await spoolHashed(source, tmp);
      await this.importFile(tmp, blob);
      return blob;
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async importFile(path: string, blob: BlobInfo): Promise<void> {
    const Key = this.#key(blob.digest);
    try {
      if (blob.size >= this.#o.multipartThreshold) {
        // Multipart completion is not conditional everywhere (RGW 16.2 ignores If-None-Match
        // on it): skip a blob that is there, and an upload that races another writes the
        // same bytes under the same name.
        if (!(await this.stat(blob.digest))) await this.#multipart(path, Key, blob.size);
        return;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const put = new PutObjectCommand({
            Bucket: this.#o.bucket,
            Key,
            Body: createReadStream(path),
            ContentLength: blob.size,
            IfNoneMatch: '*',
          });
          // The signed payload hash is the digest itself: the server checks the bytes it
          // received against it, so a copy damaged on the way never lands.
          put.middlewareStack.add(
            (next) => (args) => {
              (args.request as { headers: Record<string, string> }).headers[
                'x-amz-content-sha256'
              ] = blob.digest;
              return next(args);
            },
            { step: 'build', name: 'troveSignedPayload' },
          );
          await this.#s3.send(put);
          return;
        } catch (err) {
          // 412: stored already (by us earlier or by another replica): the bytes are the same.
          if (status(err) === 412) return;
          // The SDK cannot retry a streamed body; the file can be read again. 409 is a
          // conditional write that raced another (AWS asks for a retry); 5xx or no answer.
          if (!retryable(err) || attempt >= 3) throw err;
          await sleep(100 * 2 ** attempt);
        }
      }
    } finally {
      await rm(path, { force: true });
    }
  }

  async #multipart(path: string, Key: string, size: number): Promise<void> {
    const Bucket = this.#o.bucket;
    const { UploadId } = await this.#s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    try {
      const count = Math.ceil(size / this.#o.partSize);
      const parts: Array<{ ETag: string; PartNumber: number }> = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < count) {
          const n = next++;
          const start = n * this.#o.partSize;
          const end = Math.min(size, start + this.#o.partSize) - 1;
          const out = await this.#s3.send(
            new UploadPartCommand({
              Bucket,
              Key,
              UploadId,
              PartNumber: n + 1,
              Body: createReadStream(path, { start, end }),
              ContentLength: end - start + 1,
            }),
          );
          parts[n] = { ETag: out.ETag as string, PartNumber: n + 1 };
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, count) }, worker));
      await this.#s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key,
          UploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
    } catch (err) {
      await this.#s3
        .send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }))
        .catch(() => undefined);
      throw err;
    }
  }

  /**
   * One GET of the whole blob: its headers give the size, and its body serves the first pass
   * front to back (a whole-body hit costs one round trip). A read elsewhere opens a ranged GET.
   */
  async open(digest: string): Promise<BlobReader | undefined> {
    const Key = this.#key(digest);
    const s3 = this.#s3;
    const Bucket = this.#o.bucket;
    let first;
    try {
      first = await s3.send(new GetObjectCommand({ Bucket, Key }));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    const size = first.ContentLength ?? 0;
    let cursor: StreamCursor | null = new StreamCursor(first.Body as Readable, 0);
    const reopen = async (position: number): Promise<StreamCursor> => {
      cursor?.close();
      cursor = null;
      const out = await s3.send(
        new GetObjectCommand({ Bucket, Key, Range: `bytes=${position}-${size - 1}` }),
      );
      cursor = new StreamCursor(out.Body as Readable, position);
      return cursor;
    };
    // One body is read at a time: reads queue behind each other, and close waits for them.
    let queue: Promise<unknown> = Promise.resolve();
    let closing: Promise<void> | null = null;
    const take = async (position: number, length: number): Promise<Buffer> => {
      if (position >= size || length <= 0) return Buffer.alloc(0);
      const c: StreamCursor = cursor?.position === position ? cursor : await reopen(position);
      return c.take(Math.min(length, size - position));
    };
    return {
      size,
      identity: `s3:${first.ETag ?? ''}:${size}:${first.LastModified?.getTime() ?? 0}`,
      read(position, length) {
        if (closing) return Promise.reject(new Error('blob reader used after close'));
        const out = queue.then(() => take(position, length));
        queue = out.catch(() => undefined);
        return out;
      },
      close() {
        closing ??= queue.then(() => {
          cursor?.close();
          cursor = null;
        });
        return closing;
      },
    };
  }

  async stat(digest: string): Promise<BlobInfo | undefined> {
    try {
      const head = await this.#s3.send(
        new HeadObjectCommand({ Bucket: this.#o.bucket, Key: this.#key(digest) }),
      );
      return { digest, size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async delete(digest: string): Promise<void> {
    await this.#s3.send(
      new DeleteObjectCommand({ Bucket: this.#o.bucket, Key: this.#key(digest) }),
    );
  }

  async *list(): AsyncIterable<BlobListing> {
    let token: string | undefined;
    do {
      const page = await this.#s3.send(
        new ListObjectsV2Command({
          Bucket: this.#o.bucket,
          Prefix: this.#root,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(o.Key.lastIndexOf('/') + 1) ?? '';
        if (!SHA256_HEX.test(name)) continue;
        yield { digest: name, size: o.Size ?? 0, modifiedMs: o.LastModified?.getTime() ?? 0 };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /** A bucket has no free-space figure. */
  async free(): Promise<number | null> {
    return null;
  }

  /** The bucket answers, and these credentials may use it. */
  async ping(): Promise<void> {
    await this.#s3.send(new HeadBucketCommand({ Bucket: this.#o.bucket }));
  }

  close(): void {
    this.#s3.destroy();
    if (this.#signer !== this.#s3) this.#signer.destroy();
  }
}
