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
