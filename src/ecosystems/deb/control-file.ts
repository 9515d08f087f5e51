// Debian control-file paragraphs (deb822: Release, Packages, Sources): `Field: value` lines,
// continuation lines that start with a space or tab, paragraphs between blank lines.
// Field names are matched case-insensitively, as dpkg does.

export type Paragraph = Map<string, string>;

/** The paragraphs of a control file, one at a time (a 60 MB Packages file is never split whole). */
export function* paragraphs(text: string): Generator<Paragraph> {
  let p: Paragraph = new Map();
  let last: string | undefined;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    const line = text.endsWith('\r', to) ? text.slice(from, to - 1) : text.slice(from, to);
    from = to + 1;
    if (line.trim() === '') {
      if (p.size) yield p;
      p = new Map();
      last = undefined;
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (last !== undefined) p.set(last, `${p.get(last) ?? ''}\n${line.trim()}`);
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    last = line.slice(0, colon).toLowerCase();
    p.set(last, line.slice(colon + 1).trim());
  }
  if (p.size) yield p;
}

/** The signed text of an OpenPGP clear-signed message (RFC 4880 §7), or the text itself. */
export function clearSigned(text: string): string {
  if (!text.startsWith('-----BEGIN PGP SIGNED MESSAGE-----')) return text;
  const start = text.search(/\r?\n\r?\n/);
  const end = text.indexOf('\n-----BEGIN PGP SIGNATURE-----');
  if (start === -1 || end === -1 || end < start) {
    throw new Error('malformed clear-signed message');
  }
  const body = text.slice(text.indexOf('\n', start + 1) + 1, end);
  // Dash-escaped lines ("- -----...") lose their escape.
  return body.replace(/^- /gm, '');
}

/** "<hex> <size> <name>" lines of a checksum field. */
export function checksumLines(value: string): Array<{ hex: string; size: number; name: string }> {
  const out: Array<{ hex: string; size: number; name: string }> = [];
  for (const line of value.split('\n')) {
    const m = /^([0-9a-fA-F]+)\s+(\d+)\s+(\S+)$/.exec(line.trim());
    if (m)
      out.push({ hex: (m[1] as string).toLowerCase(), size: Number(m[2]), name: m[3] as string });
  }
  return out;
}
