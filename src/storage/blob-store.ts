// BlobStore: content-addressed bytes. The sha256 digest is the identity, so writes are
// idempotent and identical artifacts from different ecosystems share one copy.
export interface BlobInfo {
  /** Lower-case hex sha256. */
  digest: string;
  size: number;
}

export interface BlobListing extends BlobInfo {
  /** When the blob was written, for GC grace periods. */
  modifiedMs: number;
}

/** An open blob: positional reads of what is stored now. */
export interface BlobReader {
  /** Bytes stored (checked against the index before any header goes out). */
  readonly size: number;
  /**
   * A token that changes whenever the stored bytes may have changed (the fs driver: inode,
   * size, modification and change times), so a verified blob need not be hashed again.
   */
  readonly identity?: string;
  /** Up to `length` bytes at `position`; shorter only at the end of what is stored. */
  read(position: number, length: number): Promise<Buffer>;
  close(): Promise<void>;
}

export interface BlobStore {
  /** Stores a stream and returns its digest and size. Nothing is visible until complete. */
  put(source: AsyncIterable<Uint8Array>): Promise<BlobInfo>;
  /**
   * Adopts a local file whose digest the caller has already verified; the file is moved
   * (or uploaded, then removed). Adopting a digest that already exists is a no-op.
   */
  importFile(path: string, blob: BlobInfo): Promise<void>;
  /** Opens a blob for reading; undefined when it does not exist. */
  open(digest: string): Promise<BlobReader | undefined>;
  stat(digest: string): Promise<BlobInfo | undefined>;
  delete(digest: string): Promise<void>;
  list(): AsyncIterable<BlobListing>;
  /** Bytes that new blobs may still take (free disk space); null when unbounded or unknown. */
  free(): Promise<number | null>;
  /** Throws when the store cannot be used (for /ready). */
  ping(): Promise<void>;
  /**
   * A URL a client may fetch the blob from directly until it expires (a presigned bucket
   * URL), with the given Content-Type in its answer. Only stores clients can reach have it.
   */
  presign?(digest: string, o: { expiresSec: number; contentType?: string }): Promise<string>;
  /** Releases connections (a remote store); the store is not used afterwards. */
  close?(): void;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function assertDigest(digest: string): void {
  if (!SHA256_HEX.test(digest))
    throw new Error(`not a sha256 hex digest: ${JSON.stringify(digest)}`);
}
