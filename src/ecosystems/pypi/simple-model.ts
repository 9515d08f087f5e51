// One model of a simple-index page (PEP 503 HTML, PEP 691 JSON), so that either form the
// upstream serves can be answered in either form: a parser turns a page into events, a
// renderer turns events into a page. A file is kept as its PEP 691 JSON object, with the URL
// made absolute, plus the anchor's own attributes when it came from HTML, so that nothing the
// upstream said is lost on the way through.

export type MetadataFlag = boolean | Record<string, string>;

export interface IndexFile {
  filename: string;
  /** The PEP 691 file object: `url` absolute and without fragment, `hashes` always present. */
  json: Record<string, unknown> & { url: string; hashes: Record<string, string> };
  /** The anchor's attributes as the upstream wrote them (HTML pages only), `href` aside. */
  attrs?: Record<string, string>;
}

export type PageEvent =
  /** The page's API version, from PEP 629's meta tag or PEP 691's `meta`. */
  | { kind: 'api-version'; version: string }
  | { kind: 'file'; file: IndexFile }
  /** An entry of the root index. */
  | { kind: 'project'; name: string }
  /** A top-level JSON member the model does not interpret (`meta`, `versions`, `tracks`, …). */
  | { kind: 'member'; key: string; raw: Buffer };

export interface PageSink {
  event(e: PageEvent): void;
  end(): void;
}

/** Where clients fetch a file: a URL relative to the page, or absolute. */
export type FileLink = (file: IndexFile) => string;

/** `sha256=<hex>` or `true` in HTML; `{"sha256": hex}` or `true` in JSON (PEP 658, PEP 714). */
export function metadataFromAttr(v: string | undefined): MetadataFlag | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === '') return true;
  if (v === 'false') return false;
  const eq = v.indexOf('=');
  return eq > 0 ? { [v.slice(0, eq).toLowerCase()]: v.slice(eq + 1) } : true;
}

export function metadataAttr(m: unknown): string | undefined {
  if (m === true) return 'true';
  if (!m || typeof m !== 'object') return undefined;
  const entries = Object.entries(m as Record<string, unknown>);
  const pick = entries.find(([k]) => k === 'sha256') ?? entries[0];
  return pick && typeof pick[1] === 'string' ? `${pick[0]}=${pick[1]}` : 'true';
}

/** The core metadata a file advertises (PEP 714's key first, then PEP 658's). */
export function coreMetadata(file: IndexFile): MetadataFlag | undefined {
  const j = file.json;
  const m = j['core-metadata'] ?? j['dist-info-metadata'];
  if (m === true || m === false) return m;
  if (m && typeof m === 'object') return m as Record<string, string>;
  return undefined;
}

/** The file's URL with its hash fragment, as PEP 503 writes it (sha256 first). */
export function withFragment(url: string, hashes: Record<string, string>): string {
  const sha = hashes['sha256'];
  if (sha) return `${url}#sha256=${sha}`;
  const first = Object.entries(hashes)[0];
  return first ? `${url}#${first[0]}=${first[1]}` : url;
}
