// A generation: one consistent set of a root's metadata, published whole. It names its top
// files by digest (their bodies are cached under content keys) and what their listing says, so
// every member a client asks for is answered with the bytes this very set lists.

export interface StoredFile {
  /** Lower-case hex. */
  sha256: string;
  size: number;
  /** The upstream's Last-Modified and ETag for the file, when it sent them. */
  lastModified: string | null;
  etag: string | null;
}

export interface Generation {
  /** Increases by one with every publication of the root. */
  id: number;
  publishedAt: number;
  /** Which configured upstream the whole set came from. */
  upstream: number;
  /** Top files by name (`InRelease`, `Release`, `Release.gpg`; `repomd.xml`, ...). */
  top: Record<string, StoredFile>;
  /** When the set stops being valid (apt's Valid-Until), as epoch ms, or null. */
  validUntil: number | null;
  /** The set's own date (apt's Date), as epoch ms, or null: a mirror never goes back in time. */
  date: number | null;
}
