// PEP 503 pages: parsed with htmlparser2 as they stream in, and written anew for clients. Every
// attribute of a file's anchor is kept (`data-requires-python`, `data-yanked`, `data-gpg-sig`,
// PEP 658/714 metadata, PEP 740 provenance, and any the spec adds later); only `href` changes.
// Both metadata attributes are written whenever either is known, since pip before 23.1 reads
// only `data-dist-info-metadata` and newer clients read `data-core-metadata`.
import { StringDecoder } from 'node:string_decoder';
import { Parser } from 'htmlparser2';
import type { Transform } from '../../derive/derived-origin.js';
import {
  metadataAttr,
  metadataFromAttr,
  withFragment,
  type FileLink,
  type IndexFile,
  type PageEvent,
  type PageSink,
} from './simple-model.js';
import { normalize } from './project-name.js';

const HASHES = new Set(['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512']);

export type PageKind = 'project' | 'root';

/** The file an anchor names, with its PEP 691 equivalent. */
function fileOf(href: string, attrs: Record<string, string>, text: string): IndexFile | null {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  const hashes: Record<string, string> = {};
  const frag = /^#([a-z0-9]+)=([0-9a-f]+)$/i.exec(url.hash);
  if (frag && HASHES.has((frag[1] as string).toLowerCase())) {
    hashes[(frag[1] as string).toLowerCase()] = (frag[2] as string).toLowerCase();
  }
  url.hash = '';
  let filename = text.trim();
  try {
    filename = decodeURIComponent(url.pathname.split('/').pop() ?? '') || filename;
  } catch {
    // keep the anchor text
  }
  if (!filename) return null;
  const json: IndexFile['json'] = { filename, url: url.href, hashes };
  const rp = attrs['data-requires-python'];
  if (rp !== undefined) json['requires-python'] = rp;
  const meta = metadataFromAttr(attrs['data-core-metadata'] ?? attrs['data-dist-info-metadata']);
  if (meta !== undefined) json['core-metadata'] = meta;
  const sig = attrs['data-gpg-sig'];
  if (sig !== undefined) json['gpg-sig'] = sig === 'true';
  const yanked = attrs['data-yanked'];
  if (yanked !== undefined) json['yanked'] = yanked === '' ? true : yanked;
  const prov = attrs['data-provenance'];
  if (prov !== undefined) json['provenance'] = prov;
  return { filename, json, attrs };
}

/** Parses an HTML page of the given kind, resolving links against `pageUrl`. */
export function parseHtml(kind: PageKind, pageUrl: string, sink: PageSink): Transform {
  const decoder = new StringDecoder('utf8');
  let base = pageUrl;
  let anchor: { href: string; attrs: Record<string, string>; text: string } | null = null;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === 'base' && attribs['href']) {
          try {
            base = new URL(attribs['href'], pageUrl).href;
          } catch {
            // a broken <base> is ignored, as browsers do
          }
        } else if (name === 'meta' && attribs['name'] === 'pypi:repository-version') {
          if (attribs['content']) sink.event({ kind: 'api-version', version: attribs['content'] });
        } else if (name === 'a') {
          const { href, ...attrs } = attribs;
          anchor = href === undefined ? null : { href, attrs, text: '' };
        }
      },
      ontext(text) {
        if (anchor) anchor.text += text;
      },
      onclosetag(name) {
        if (name !== 'a' || !anchor) return;
        const a = anchor;
        anchor = null;
        if (kind === 'root') {
          const text = a.text.trim();
          if (text) sink.event({ kind: 'project', name: text });
          return;
        }
        let href: string;
        try {
          href = new URL(a.href, base).href;
        } catch {
          return;
        }
        const file = fileOf(href, a.attrs, a.text);
        if (file) sink.event({ kind: 'file', file });
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  return {
    write: (chunk) => parser.write(decoder.write(chunk)),
    end() {
      parser.write(decoder.end());
      parser.end();
      sink.end();
    },
  };
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

/** The anchor attributes of a file that came as JSON. */
function attrsOf(json: IndexFile['json']): Record<string, string> {
  const a: Record<string, string> = {};
  const rp = json['requires-python'];
  if (typeof rp === 'string') a['data-requires-python'] = rp;
  const meta = metadataAttr(json['core-metadata'] ?? json['dist-info-metadata']);
  if (meta !== undefined) a['data-core-metadata'] = meta;
  const sig = json['gpg-sig'];
  if (typeof sig === 'boolean') a['data-gpg-sig'] = String(sig);
  const yanked = json['yanked'];
  if (yanked === true) a['data-yanked'] = '';
  else if (typeof yanked === 'string' && yanked !== '') a['data-yanked'] = yanked;
  const prov = json['provenance'];
  if (typeof prov === 'string') a['data-provenance'] = prov;
  return a;
}

function anchor(file: IndexFile, link: FileLink): string {
  const a = { ...(file.attrs ?? attrsOf(file.json)) };
  const meta = a['data-core-metadata'] ?? a['data-dist-info-metadata'];
  if (meta !== undefined) {
    a['data-core-metadata'] ??= meta;
    a['data-dist-info-metadata'] ??= meta;
  }
  let out = `<a href="${escapeAttr(withFragment(link(file), file.json.hashes))}"`;
  for (const [k, v] of Object.entries(a)) {
    if (/^[a-z][a-z0-9:_-]*$/.test(k)) out += v === '' ? ` ${k}` : ` ${k}="${escapeAttr(v)}"`;
  }
  return `${out}>${escapeText(file.filename)}</a><br />\n`;
}

/** Writes a PEP 503 page for `project` (or the root index when null). */
export function renderHtml(
  project: string | null,
  link: FileLink,
  emit: (b: Buffer) => void,
): PageSink {
  const title = project === null ? 'Simple index' : `Links for ${project}`;
  let version = '1.0';
  let opened = false;
  const text = (s: string): void => emit(Buffer.from(s));
  const open = (): void => {
    if (opened) return;
    opened = true;
    text(
      '<!DOCTYPE html>\n<html>\n  <head>\n' +
        `    <meta name="pypi:repository-version" content="${escapeAttr(version)}">\n` +
        `    <title>${escapeText(title)}</title>\n  </head>\n  <body>\n` +
        `    <h1>${escapeText(title)}</h1>\n`,
    );
  };
  return {
    event(e: PageEvent) {
      if (e.kind === 'api-version') {
        if (!opened) version = e.version;
      } else if (e.kind === 'file') {
        open();
        text(anchor(e.file, link));
      } else if (e.kind === 'project') {
        open();
        const href = `${encodeURIComponent(normalize(e.name))}/`;
        text(`<a href="${escapeAttr(href)}">${escapeText(e.name)}</a><br />\n`);
      }
    },
    end() {
      open();
      text('  </body>\n</html>\n');
    },
  };
}
