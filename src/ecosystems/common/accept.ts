// Content negotiation on Accept with q-values (RFC 9110 §12.5.1): each offer takes the q of the
// most specific media range that matches it; the highest q wins, ties go to the earlier offer.
// Used where one URL has several representations (npm full and abbreviated packuments).

interface Range {
  type: string;
  subtype: string;
  q: number;
}

function parse(accept: string): Range[] {
  const out: Range[] = [];
  for (const part of accept.split(',')) {
    const [media = '', ...params] = part.split(';').map((s) => s.trim());
    const m = /^([\w.+*-]+)\/([\w.+*-]+)$/.exec(media.toLowerCase());
    if (!m) continue;
    let q = 1;
    for (const p of params) {
      const qm = /^q\s*=\s*([01](?:\.\d{0,3})?)$/i.exec(p);
      if (qm) q = Math.min(1, Number(qm[1]));
    }
    out.push({ type: m[1] as string, subtype: m[2] as string, q });
  }
  return out;
}

function qualityOf(offer: string, ranges: readonly Range[]): number {
  const [type, subtype] = offer.toLowerCase().split('/');
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const exact = r.type === type && r.subtype === subtype;
    const typeWild = r.type === type && r.subtype === '*';
    const all = r.type === '*' && r.subtype === '*';
    const specificity = exact ? 2 : typeWild ? 1 : all ? 0 : -1;
    if (specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return best < 0 ? 0 : q;
}

/** Whether Accept-Encoding admits gzip (RFC 9110 §12.5.3: `gzip`, `x-gzip` or `*`, q > 0). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  let gzip: number | undefined;
  let any: number | undefined;
  for (const part of acceptEncoding.split(',')) {
    const [coding = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const qm = params.map((p) => /^q\s*=\s*([01](?:\.\d{0,3})?)$/.exec(p)).find(Boolean);
    const q = qm ? Number(qm[1]) : 1;
    if (coding === 'gzip' || coding === 'x-gzip') gzip = q;
    else if (coding === '*') any = q;
  }
  return (gzip ?? any ?? 0) > 0;
}

/**
 * The offer the client prefers; `offers[0]` when there is no Accept header, and null when
 * every offer is refused (no match, or q=0).
 */
export function negotiate(accept: string | undefined, offers: readonly string[]): string | null {
  if (!accept || accept.trim() === '') return offers[0] ?? null;
  const ranges = parse(accept);
  let chosen: string | null = null;
  let top = 0;
  for (const offer of offers) {
    const q = qualityOf(offer, ranges);
    if (q > top) {
      top = q;
      chosen = offer;
    }
  }
  return chosen;
}
