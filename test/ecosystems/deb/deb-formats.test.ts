// Release, Packages and Sources as the deb instance reads them, and where request paths sit.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { clearSigned, paragraphs } from '../../../src/ecosystems/deb/control-file.js';
import { archiveBases, debFormat } from '../../../src/ecosystems/deb/deb-format.js';
import { placeOf } from '../../../src/ecosystems/deb/deb-path.js';
import { readIndex } from '../../../src/ecosystems/deb/packages-file.js';
import { parseRelease } from '../../../src/ecosystems/deb/release-file.js';

const h = (c: string, n = 64): string => c.repeat(n);
async function all<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}

const RELEASE = `Origin: Test
Suite: stable
Date: Mon, 30 Nov 2026 09:00:00 UTC
Valid-Until: Mon, 07 Dec 2026 09:00:00 UTC
Acquire-By-Hash: yes
MD5Sum:
 ${h('1', 32)} 10 main/binary-amd64/Packages
SHA256:
 ${h('a')} 10 main/binary-amd64/Packages
 ${h('b')}  4 main/binary-amd64/Packages.xz
`;

describe('Release files', () => {
  it('lists files with every digest, by-hash names first, and the dates', () => {
    const r = parseRelease(Buffer.from(RELEASE));
    expect(r.date).toBe(Date.UTC(2026, 10, 30, 9));
    expect(r.validUntil).toBe(Date.UTC(2026, 11, 7, 9));
    expect(r.files.get('main/binary-amd64/Packages')).toEqual({
      path: 'main/binary-amd64/Packages',
      size: 10,
      digests: [
        { algorithm: 'md5', hex: h('1', 32) },
        { algorithm: 'sha256', hex: h('a') },
      ],
      alternates: [`main/binary-amd64/by-hash/SHA256/${h('a')}`],
    });
  });

  it('reads the signed text of an InRelease, dash-escapes undone', () => {
    const signed = `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n${RELEASE}- -----odd line\n-----BEGIN PGP SIGNATURE-----\n\nxyz\n-----END PGP SIGNATURE-----\n`;
    expect(clearSigned(signed)).toBe(`${RELEASE}-----odd line`);
    expect(parseRelease(Buffer.from(signed)).files.size).toBe(2);
    expect(() => clearSigned('-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA1\n\nno end')).toThrow(
      /malformed/,
    );
  });

  it('refuses an InRelease and a Release that list different files', () => {
    const other = RELEASE.replace(h('b'), h('c'));
    const bodies = new Map([
      ['InRelease', Buffer.from(RELEASE)],
      ['Release', Buffer.from(other)],
    ]);
    expect(() => debFormat.parseTop('dists/stable', bodies)).toThrow(/mid-sync/);
    expect(debFormat.parseTop('dists/stable', new Map())).toBeNull();
    expect(() =>
      parseRelease(Buffer.from(`${RELEASE} ${h('d')} 11 main/binary-amd64/Packages\n`)),
    ).toThrow(/two sizes/);
  });

  it('reads packages from the variant it can decompress', () => {
    const listing = parseRelease(Buffer.from(RELEASE));
    expect(debFormat.packageSource('main/binary-amd64/Packages.bz2', listing)).toBe(
      'main/binary-amd64/Packages.xz',
    );
    expect(debFormat.packageSource('main/binary-amd64/Packages', listing)).toBe(
      'main/binary-amd64/Packages',
    );
    expect(debFormat.packageSource('main/i18n/Translation-en.xz', listing)).toBeNull();
  });
});

describe('Packages and Sources', () => {
  it('lists binary packages with their sizes and digests, and source files below Directory', async () => {
    const packages = `Package: a\nFilename: pool/main/a/a_1_all.deb\nSize: 12\nSHA256: ${h('e')}\nMD5sum: ${h('f', 32)}\nDescription: x\n continued\n\nPackage: b\nSize: 3\n`;
    expect(await all(readIndex('main/binary-amd64/Packages.gz', gzipSync(packages)))).toEqual([
      {
        path: 'pool/main/a/a_1_all.deb',
        size: 12,
        digests: [
          { algorithm: 'sha256', hex: h('e') },
          { algorithm: 'md5', hex: h('f', 32) },
        ],
      },
    ]);
    const sources = `Package: a\nDirectory: pool/main/a\nChecksums-Sha256:\n ${h('1')} 5 a_1.dsc\n ${h('2')} 9 a_1.tar.xz\n`;
    const refs = await all(readIndex('main/source/Sources', Buffer.from(sources)));
    expect(refs.map((r) => [r.path, r.size])).toEqual([
      ['pool/main/a/a_1.dsc', 5],
      ['pool/main/a/a_1.tar.xz', 9],
    ]);
  });

  it('splits paragraphs with continuation lines and CRLF', () => {
    const ps = [...paragraphs('A: 1\r\nB: x\r\n y\r\n\r\nA: 2\n')];
    expect(ps.map((p) => Object.fromEntries(p))).toEqual([{ a: '1', b: 'x\ny' }, { a: '2' }]);
  });
});

describe('request paths', () => {
  it('tells top files, by-hash names, members and the rest apart', () => {
    expect(placeOf('debian/dists/bookworm/InRelease', [])).toEqual({
      kind: 'top',
      root: 'debian/dists/bookworm',
      name: 'InRelease',
    });
    expect(placeOf('debian/dists/bookworm/main/binary-amd64/Release', [])).toEqual({
      kind: 'member',
      root: 'debian/dists/bookworm',
      rel: 'main/binary-amd64/Release',
    });
    expect(placeOf('dists/stretch/updates/InRelease', [])).toEqual({
      kind: 'top',
      root: 'dists/stretch/updates',
      name: 'InRelease',
    });
    expect(
      placeOf('dists/stretch/updates/main/binary-amd64/Packages.xz', ['dists/stretch/updates']),
    ).toEqual({
      kind: 'member',
      root: 'dists/stretch/updates',
      rel: 'main/binary-amd64/Packages.xz',
    });
    expect(placeOf(`dists/sid/main/binary-amd64/by-hash/SHA256/${h('a')}`, [])).toMatchObject({
      kind: 'by-hash',
      root: 'dists/sid',
      dir: 'main/binary-amd64',
      digest: { algorithm: 'sha256', hex: h('a') },
    });
    expect(placeOf(`dists/sid/main/by-hash/SHA256/${h('a', 10)}`, []).kind).toBe('other');
    expect(placeOf('flat/Release', [])).toEqual({ kind: 'top', root: 'flat', name: 'Release' });
    expect(placeOf('flat/Packages.gz', ['flat'])).toEqual({
      kind: 'member',
      root: 'flat',
      rel: 'Packages.gz',
    });
    expect(placeOf('pool/main/a/a_1_all.deb', ['dists/sid']).kind).toBe('other');
  });

  it('finds the archive base of suites and the candidates of flat repositories', () => {
    expect(archiveBases('debian/dists/bookworm')).toEqual(['debian']);
    expect(archiveBases('dists/bookworm')).toEqual(['']);
    expect(archiveBases('repo/flat')).toEqual(['repo/flat', 'repo', '']);
  });
});
