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

/** Renders the cached page in `format`, with file links made by `link`. */
export function renderPage(
  kind: PageKind,
  project: string | null,
  format: PageFormat,
  pageUrl: string,
  link: FileLink,
): (emit: (b: Buffer) => void) => Transform {
  return (emit) =>
    sniffing(kind, pageUrl, (format === 'json' ? renderJson : renderHtml)(project, link, emit));
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
export function fileList(pageUrl: string): (emit: (b: Buffer) => void) => Transform {
  return (emit) => {
    const files: FileList = {};
    return sniffing('project', pageUrl, {
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
