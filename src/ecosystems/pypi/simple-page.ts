// From a cached upstream page to what clients get, made once per upstream version of the page
// (never per hit): the page in the representation asked for, and the list of its files with
// their hashes, which every file download is verified against. The upstream's form (JSON or
// HTML) is told from its first byte, so a page served either way gives both.
import type { Transform } from '../../derive/derived-origin.js';
import { pieces } from '../../derive/pieces.js';
import type { BodyView } from '../../engine/types.js';
import { TroveError, toTroveError } from '../../errors.js';
import { parseHtml, renderHtml, type PageKind } from './simple-html.js';
import { parseJson, renderJson } from './simple-json.js';
import { coreMetadata, type FileLink, type PageSink } from './simple-model.js';

export type PageFormat = 'html' | 'json';

/** A parser that picks the form from the first byte that is not white space. */
function sniffing(kind: PageKind, pageUrl: string, sink: PageSink): Transform {
  let inner: Transform | null = null;
  const held: Buffer[] = [];
  return {
    write(chunk) {
      if (!inner) {
        held.push(chunk);
        const first = Buffer.concat(held).toString('latin1').trimStart()[0];
        if (first === undefined) return;
        inner = (first === '{' ? parseJson : parseHtml)(kind, pageUrl, sink);
        for (const c of held.splice(0)) inner.write(c);
        return;
      }
      inner.write(chunk);
    },
    end() {
      (inner ?? parseHtml(kind, pageUrl, sink)).end();
    },
  };
}

/**
 * Pages from one index or several (merged): each source gets its own parser, resolving links
 * against its own page URL; a file name seen in an earlier source hides later ones, top-level
 * members come from the first source that has them, and `versions` lists are joined.
 */
function pages(kind: PageKind, pageUrls: readonly string[], sink: PageSink): Transform {
  const seen = new Set<string>();
  const members = new Map<string, Buffer>();
  const versions = new Set<string>();
  let inner: Transform | null = null;
  const merged = pageUrls.length > 1;
  const forward: PageSink = {
    event(e) {
      if (!merged) return sink.event(e);
      if (e.kind === 'file') {
        if (seen.has(e.file.filename)) return;
        seen.add(e.file.filename);
      } else if (e.kind === 'member') {
        if (e.key === 'versions') {
          const list: unknown = JSON.parse(e.raw.toString('utf8'));
          if (Array.isArray(list)) for (const v of list) versions.add(String(v));
          return;
        }
        if (members.has(e.key)) return;
        members.set(e.key, e.raw);
      }
      sink.event(e);
    },
    end: () => undefined,
  };
  return {
    source(i) {
      inner?.end();
      inner = sniffing(kind, pageUrls[i] ?? (pageUrls[0] as string), forward);
    },
    write(chunk) {
      (inner ??= sniffing(kind, pageUrls[0] as string, forward)).write(chunk);
    },
    end() {
      (inner ?? sniffing(kind, pageUrls[0] as string, forward)).end();
      if (versions.size > 0) {
        sink.event({
          kind: 'member',
          key: 'versions',
          raw: Buffer.from(JSON.stringify([...versions])),
        });
      }
      sink.end();
    },
  };
}

/** Renders the cached page(s) in `format`, with file links made by `link`. */
export function renderPage(
  kind: PageKind,
  project: string | null,
  format: PageFormat,
  pageUrls: readonly string[],
  link: FileLink,
): (emit: (b: Buffer) => void) => Transform {
  return (emit) =>
    pages(kind, pageUrls, (format === 'json' ? renderJson : renderHtml)(project, link, emit));
}

/** What a file download is checked against, by file name. */
export interface ListedFile {
  url: string;
  hashes: Record<string, string>;
  /** The core metadata's hashes, `true` when offered without one; absent when not offered. */
  metadata?: true | Record<string, string>;
}

export type FileList = Record<string, ListedFile>;

/** The page's files as a JSON object (file name -> URL and hashes); the first of a name wins. */
export function fileList(pageUrls: readonly string[]): (emit: (b: Buffer) => void) => Transform {
  return (emit) => {
    const files: FileList = {};
    return pages('project', pageUrls, {
      event(e) {
        if (e.kind !== 'file' || files[e.file.filename]) return;
        const entry: ListedFile = { url: e.file.json.url, hashes: e.file.json.hashes };
        const meta = coreMetadata(e.file);
        if (meta === true || (meta && typeof meta === 'object')) entry.metadata = meta;
        files[e.file.filename] = entry;
      },
      end: () => emit(Buffer.from(JSON.stringify(files))),
    });
  };
}

/** A page is kept only when it parses through (a JSON page that is cut or garbled is refused). */
export async function checkPage(body: BodyView, kind: PageKind, pageUrl: string): Promise<void> {
  const t = sniffing(kind, pageUrl, { event: () => undefined, end: () => undefined });
  try {
    for await (const piece of pieces(body, 1024 * 1024)) t.write(piece);
    t.end();
  } catch (err) {
    throw new TroveError(
      'TROVE_ERR_UPSTREAM_BODY',
      `upstream index page refused: ${toTroveError(err).message}`,
    );
  }
}
