// A streaming reader for RPM repository XML (repomd.xml, primary, prestodelta): elements by
// their local name (namespace prefixes dropped), text only while a caller wants it, fed in
// pieces so a primary of hundreds of megabytes is never one string.
import { StringDecoder } from 'node:string_decoder';
import { Parser } from 'htmlparser2';

export interface XmlEvents {
  open(name: string, attrs: Record<string, string>): void;
  text(text: string): void;
  close(name: string): void;
}

const local = (name: string): string => name.slice(name.indexOf(':') + 1);

export interface XmlFeeder {
  write(chunk: Buffer): void;
  end(): void;
}

export function xmlFeeder(ev: XmlEvents): XmlFeeder {
  const decoder = new StringDecoder('utf8');
  const parser = new Parser(
    {
      onopentag: (name, attrs) => ev.open(local(name), attrs),
      ontext: (text) => ev.text(text),
      onclosetag: (name) => ev.close(local(name)),
    },
    { xmlMode: true, decodeEntities: true },
  );
  return {
    write: (chunk) => parser.write(decoder.write(chunk)),
    end: () => {
      parser.write(decoder.end());
      parser.end();
    },
  };
}

/** A repeated element (`<data>`, `<package>`) with the child elements a reader asked for. */
export interface XmlRecord {
  name: string;
  attrs: Record<string, string>;
  /** The first of each wanted child: its attributes and text. */
  fields: Map<string, { attrs: Record<string, string>; text: string }>;
}

/**
 * Reads `records` elements and, inside each, the first of every `fields` child, with its text;
 * everything else (primary's file lists, provides) is passed over. `root()` is the document's
 * first element.
 */
export function recordFeeder(
  records: readonly string[],
  fields: readonly string[],
  emit: (r: XmlRecord) => void,
): XmlFeeder & { root(): string | null } {
  let root: string | null = null;
  let cur: XmlRecord | null = null;
  let field: { name: string; attrs: Record<string, string>; text: string } | null = null;
  const feeder = xmlFeeder({
    open(name, attrs) {
      root ??= name;
      if (records.includes(name)) cur = { name, attrs, fields: new Map() };
      else if (cur && fields.includes(name) && !cur.fields.has(name)) {
        field = { name, attrs, text: '' };
      }
    },
    text(t) {
      if (field) field.text += t;
    },
    close(name) {
      const r = cur as XmlRecord | null;
      if (!r) return;
      const f = field as { name: string; attrs: Record<string, string>; text: string } | null;
      if (f && name === f.name) {
        r.fields.set(name, { attrs: f.attrs, text: f.text });
        field = null;
      } else if (name === r.name) {
        emit(r);
        cur = null;
      }
    },
  });
  return { ...feeder, root: () => root };
}

const ALGORITHMS: Record<string, 'sha1' | 'sha256' | 'sha512' | 'md5'> = {
  sha: 'sha1',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
  md5: 'md5',
};

/** A `<checksum type="…">` as an expected digest; null for types Trove cannot check. */
export function checksumOf(type: string | undefined, text: string) {
  const algorithm = ALGORITHMS[(type ?? '').toLowerCase()];
  const hex = text.trim().toLowerCase();
  if (!algorithm || !/^[0-9a-f]+$/.test(hex)) return null;
  return { algorithm, hex };
}

/** A decimal count, or null. */
export function countOf(text: string | undefined): number | null {
  const n = Number((text ?? '').trim());
  return text !== undefined && text.trim() !== '' && Number.isSafeInteger(n) && n >= 0 ? n : null;
}
