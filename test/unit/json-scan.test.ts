// The streaming JSON scanner: members by path with exact offsets, captures across chunk
// boundaries (including inside escapes and multi-byte characters), and syntax errors.
import { describe, expect, it } from 'vitest';
import { JsonScanner, type Member } from '../../src/derive/json-scan.js';
import { Splicer } from '../../src/derive/splicer.js';

const DOC = JSON.stringify(
  {
    name: 'p\u00e9ch\u00e9 "q"',
    'dist-tags': { latest: '2.0.0' },
    versions: {
      '1.0.0': { dist: { tarball: 'https://r.test/p/-/p-1.0.0.tgz', n: -1.5e3 }, ok: true },
      '2.0.0': { dist: { tarball: 'https://r.test/p/-/p-2.0.0.tgz', list: [1, [2], {}] } },
    },
    'we\\ird': null,
  },
  null,
  1,
);

function scan(doc: Buffer, pieces: number[]): Member[] {
  const seen: Member[] = [];
  const s = new JsonScanner({
    descend: (p) => p[0] === 'versions',
    capture: (p) => p[0] === 'name' || p.length === 3,
    onMember: (m) => seen.push(m),
  });
  let pos = 0;
  for (let i = 0; pos < doc.length; i++) {
    const n = pieces[i % pieces.length] as number;
    s.push(doc.subarray(pos, pos + n));
    pos += n;
  }
  s.end();
  return seen;
}

describe('JsonScanner', () => {
  const doc = Buffer.from(DOC);
  for (const pieces of [[doc.length], [1], [3, 7, 1], [64]]) {
    it(`reports the same members fed in pieces of ${pieces.join(',')}`, () => {
      const seen = scan(doc, pieces);
      const byPath = new Map(seen.map((m) => [m.path.join('/'), m]));
      expect([...byPath.keys()]).toEqual([
        'name',
        'dist-tags',
        'versions/1.0.0/dist/tarball',
        'versions/1.0.0/dist/n',
        'versions/1.0.0/dist',
        'versions/1.0.0/ok',
        'versions/1.0.0',
        'versions/2.0.0/dist/tarball',
        'versions/2.0.0/dist/list',
        'versions/2.0.0/dist',
        'versions/2.0.0',
        'versions',
        'we\\ird',
      ]);
      for (const m of seen) {
        const raw = doc.subarray(m.start, m.end);
        if (m.raw) expect(m.raw.equals(raw)).toBe(true);
        expect(() => JSON.parse(raw.toString())).not.toThrow();
      }
      expect(JSON.parse((byPath.get('name')?.raw as Buffer).toString())).toBe(
        'p\u00e9ch\u00e9 "q"',
      );
    });
  }

  const bad = {
    truncated: '{"a": [1, 2',
    'trailing data': '{"a":1} x',
    'bad literal': '{"a": tru}',
    'missing colon': '{"a" 1}',
    'missing comma': '{"a":1 "b":2}',
    'unclosed string': '{"a":"b',
    'wrong closer': '{"a":[1}',
    'bare word': 'hello',
    empty: '',
  };
  for (const [what, text] of Object.entries(bad)) {
    it(`refuses ${what}`, () => {
      const s = new JsonScanner({ descend: () => true, capture: () => true, onMember: () => {} });
      expect(() => {
        s.push(Buffer.from(text));
        s.end();
      }).toThrow(/malformed JSON/);
    });
  }

  it('lets a splicer replace captured values while copying everything else exactly', () => {
    const out: Buffer[] = [];
    const splicer = new Splicer((b) => out.push(b));
    const s = new JsonScanner({
      descend: (p) => p[0] === 'versions' && (p.length < 3 || p[2] === 'dist'),
      capture: (p) => p[3] === 'tarball',
      onMember: (m) => {
        if (m.raw) splicer.replace(m.start, m.end, Buffer.from('"X"'));
      },
    });
    for (let i = 0; i < doc.length; i += 5) {
      const c = doc.subarray(i, i + 5);
      splicer.add(c);
      s.push(c);
      splicer.flush(s.settledBefore);
    }
    s.end();
    splicer.flush(Number.POSITIVE_INFINITY);
    const want = DOC.replace(/"https:\/\/r\.test\/p\/-\/p-\d\.0\.0\.tgz"/g, '"X"');
    expect(Buffer.concat(out).toString()).toBe(want);
  });
});

describe('JsonScanner arrays', () => {
  it('reports the elements of chosen arrays by index, across pieces', () => {
    const doc = Buffer.from(
      JSON.stringify({ files: [{ a: 1 }, 'x', [2]], other: [{ b: 2 }], meta: { v: '1' } }),
    );
    for (const size of [doc.length, 1, 5]) {
      const seen: Member[] = [];
      const s = new JsonScanner({
        descend: () => false,
        elements: (p) => p[0] === 'files',
        capture: (p) => p.length === 2,
        onMember: (m) => seen.push(m),
      });
      for (let pos = 0; pos < doc.length; pos += size) s.push(doc.subarray(pos, pos + size));
      s.end();
      const elements = seen.filter((m) => m.path.length === 2);
      expect(elements.map((m) => m.path.join('/'))).toEqual(['files/0', 'files/1', 'files/2']);
      expect(elements.map((m) => JSON.parse((m.raw as Buffer).toString()) as unknown)).toEqual([
        { a: 1 },
        'x',
        [2],
      ]);
      expect(seen.map((m) => m.path.join('/'))).not.toContain('other/0');
    }
  });
});
