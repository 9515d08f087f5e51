// Spellings of one request path that a server might take for the same name: percent-encodings
// (single and double, either hex case), case changes, Go's `!` case-encoding, dot and empty
// segments, traversal, trailing dots and `;` parameters, backslashes, NUL, and Unicode
// lookalikes (fullwidth letters, slash and dot lookalikes, combining marks). Deterministic.

/** A small seeded generator (mulberry32), so a failure can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

type Edit = (p: string, r: () => number) => string;

const at = (p: string, r: () => number): number => Math.floor(r() * p.length);
const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)] as T;

const EDITS: Edit[] = [
  // One character percent-encoded, in either hex case.
  (p, r) => {
    const i = at(p, r);
    const e = enc(p[i] as string);
    return p.slice(0, i) + (r() < 0.5 ? e : e.toUpperCase()) + p.slice(i + 1);
  },
  // Double encoding of a slash or a dot.
  (p, r) => p.replace(pick(['/', '.'], r), (c) => (c === '/' ? '%252f' : '%252e')),
  // Case flips.
  (p, r) =>
    [...p]
      .map((c) => (r() < 0.3 ? (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) : c))
      .join(''),
  // Go's case-encoding of a letter, or a stray `!`.
  (p, r) => {
    const i = at(p, r);
    const c = p[i] as string;
    return /[a-z]/.test(c)
      ? `${p.slice(0, i)}!${c}${p.slice(i + 1)}`
      : `${p.slice(0, i)}!${p.slice(i)}`;
  },
  // Empty, dot and traversal segments.
  (p, r) => p.replace('/', pick(['//', '/./', '/x/../', '/%2e/', '/%2e%2e/x/', '/.%2e/'], r)),
  (p, r) => pick(['./', '/', 'x/../', '%2e/', '../'], r) + p,
  // Trailing dots, `;` parameters, a trailing slash, a NUL.
  (p, r) => {
    const segs = p.split('/');
    const i = Math.floor(r() * segs.length);
    segs[i] = `${segs[i] ?? ''}${pick(['.', '..', ';x=1', ';', '%00', '%20', '~'], r)}`;
    return segs.join('/');
  },
  (p) => `${p}/`,
  // Backslashes for slashes.
  (p, r) => p.replace('/', r() < 0.5 ? '\\' : '%5c'),
  // Unicode lookalikes, encoded as UTF-8.
  (p, r) => {
    const i = at(p, r);
    const c = p[i] as string;
    let look: string;
    if (c === '/') look = pick(['\u2215', '\uff0f', '\u2044'], r);
    else if (c === '.') look = pick(['\u3002', '\uff0e', '\u2024'], r);
    else if (/[A-Za-z0-9]/.test(c)) look = String.fromCodePoint(0xff00 + c.charCodeAt(0) - 0x20);
    else look = c;
    return p.slice(0, i) + enc(look) + p.slice(i + 1);
  },
  // A combining mark after a letter (NFC composes some: é), and a dotless i.
  (p, r) => {
    const i = at(p, r);
    return p.slice(0, i + 1) + enc(pick(['\u0301', '\u0307', '\u200b'], r)) + p.slice(i + 1);
  },
  (p) => p.replace('i', enc('\u0131')),
];

/** `count` distinct spellings of `path` (no leading slash), each one to three edits away. */
export function pathVariants(path: string, count: number, seed = 1): string[] {
  const r = seeded(seed);
  const out = new Set<string>([path]);
  for (let tries = 0; out.size < count + 1 && tries < count * 20; tries++) {
    let p = path;
    const edits = 1 + Math.floor(r() * 3);
    for (let e = 0; e < edits; e++) p = pick(EDITS, r)(p, r);
    // A raw request path may hold only printable ASCII.
    out.add(p.replace(/[^\x21-\x7e]/g, (c) => enc(c)));
  }
  return [...out];
}
