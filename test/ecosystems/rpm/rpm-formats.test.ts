// repomd.xml, primary and prestodelta as the rpm instance reads them (any checksum type, gz, xz,
// zstd and plain XML), the decompression shared with other repositories, and request paths.
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { xz } from '@napi-rs/lzma';
import { describe, expect, it } from 'vitest';
import { compressionOf, decompress, sniff } from '../../../src/repos/decompress.js';
import { readPackageList } from '../../../src/ecosystems/rpm/primary.js';
import { parseRepomd, repomdListing } from '../../../src/ecosystems/rpm/repomd.js';
import { rpmFormat } from '../../../src/ecosystems/rpm/rpm-format.js';
import { placeOf } from '../../../src/ecosystems/rpm/rpm-path.js';
import { requireTools } from '../../helpers/tools.js';

const h = (c: string, n = 64): string => c.repeat(n);
async function all<T>(batches: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) out.push(...b);
  return out;
}
const zstd = (b: Buffer): Buffer => execFileSync('zstd', ['-q', '-c'], { input: b });
const hasZstd = requireTools('zstd');

const data = (type: string, href: string, sum: string, alg = 'sha256', extra = ''): string => `
  <data type="${type}">
    <checksum type="${alg}">${sum}</checksum>
    <open-checksum type="${alg}">${h('f', sum.length)}</open-checksum>
    <location ${extra}href="${href}"/>
    <timestamp>1796036268</timestamp>
    <size>541</size>
  </data>`;

const REPOMD = `<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1796036268</revision>
  ${data('primary', `repodata/${h('a')}-primary.xml.gz`, h('a'))}
  ${data('primary_zck', `repodata/${h('b')}-primary.xml.zck`, h('b'))}
  ${data('filelists', `repodata/${h('c', 128)}-filelists.xml.xz`, h('c', 128), 'sha512')}
  ${data('other', 'repodata/other.xml.gz', h('d', 40), 'sha')}
  ${data('group', 'repodata/comps.xml', h('e'), 'sha384')}
  ${data('updateinfo', 'repodata/updateinfo.xml.gz', h('e'), 'sha256', 'xml:base="https://elsewhere.example/" ')}
  ${data('modules', '../outside/modules.yaml', h('e'))}
</repomd>`;

const PRIMARY = `<?xml version="1.0" encoding="UTF-8"?>
<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="3">
<package type="rpm">
  <name>a&amp;b</name>
  <checksum type="sha256" pkgid="YES">${h('1')}</checksum>
  <size package="6064" installed="3" archive="272"/>
  <location href="Packages/a/a&amp;b-1.0-1.noarch.rpm"/>
  <format><rpm:provides><rpm:entry name="x"/></rpm:provides><file>/usr/bin/x</file></format>
</package>
<package type="rpm">
  <checksum type="sha" pkgid="YES">${h('2', 40)}</checksum>
  <size package="10"/>
  <location xml:base="https://elsewhere.example/" href="b-1.rpm"/>
</package>
<package type="rpm">
  <checksum type="sha512" pkgid="YES">${h('3', 128)}</checksum>
  <size package="11"/>
  <location href="c-1.rpm"/>
</package>
</metadata>`;

const DELTAS = `<?xml version="1.0" encoding="UTF-8"?>
<prestodelta>
  <newpackage name="c" epoch="0" version="1" release="2" arch="noarch">
    <delta oldepoch="0" oldversion="1" oldrelease="1">
      <filename>drpms/c-1-1_1-2.noarch.drpm</filename>
      <sequence>c-1-1-abc</sequence>
      <size>1234</size>
      <checksum type="sha256">${h('4')}</checksum>
    </delta>
  </newpackage>
</prestodelta>`;

describe('repomd.xml', () => {
  it('lists data files with checksums of any type Trove can check, by kind', () => {
    const l = repomdListing(Buffer.from(REPOMD));
    expect(l.date).toBe(1796036268_000);
    expect(l.validUntil).toBeNull();
    expect([...l.files.keys()]).toEqual([
      `repodata/${h('a')}-primary.xml.gz`,
      `repodata/${h('b')}-primary.xml.zck`,
      `repodata/${h('c', 128)}-filelists.xml.xz`,
      'repodata/other.xml.gz',
    ]);
    expect(l.files.get('repodata/other.xml.gz')).toEqual({
      path: 'repodata/other.xml.gz',
      size: 541,
      digests: [{ algorithm: 'sha1', hex: h('d', 40) }],
      kind: 'other',
    });
    expect(l.files.get(`repodata/${h('c', 128)}-filelists.xml.xz`)?.digests).toEqual([
      { algorithm: 'sha512', hex: h('c', 128) },
    ]);
  });

  it('refuses what is not a repomd document, and reads none as absent', () => {
    expect(() => parseRepomd(Buffer.from('<html><body>mirror error</body></html>'))).toThrow(
      /not a <repomd>/,
    );
    expect(rpmFormat.parseTop('os', new Map())).toBeNull();
  });

  it('reads packages from a variant it can decompress (primary.xml.gz for the zchunk one)', () => {
    const l = repomdListing(Buffer.from(REPOMD));
    const gz = `repodata/${h('a')}-primary.xml.gz`;
    expect(rpmFormat.packageSource(`repodata/${h('b')}-primary.xml.zck`, l)).toBe(gz);
    expect(rpmFormat.packageSource(gz, l)).toBe(gz);
    expect(rpmFormat.packageSource('repodata/other.xml.gz', l)).toBeNull();
    expect(rpmFormat.packageSource('repodata/repomd.xml', l)).toBeNull();
  });
});

describe('primary and prestodelta', () => {
  const expected = [
    {
      path: 'Packages/a/a&b-1.0-1.noarch.rpm',
      size: 6064,
      digests: [{ algorithm: 'sha256', hex: h('1') }],
    },
    { path: 'c-1.rpm', size: 11, digests: [{ algorithm: 'sha512', hex: h('3', 128) }] },
  ];
  const body = Buffer.from(PRIMARY);
  for (const [name, packed] of [
    ['primary.xml', body],
    ['primary.xml.gz', gzipSync(body)],
    ['primary.xml.xz', xz.compressSync(body)],
    ...(hasZstd ? ([['primary.xml.zst', zstd(body)]] as const) : []),
  ] as const) {
    it(`lists packages from ${name}, skipping those on other hosts`, async () => {
      expect(await all(readPackageList(`repodata/x-${name}`, packed))).toEqual(expected);
    });
  }

  it('lists delta packages from prestodelta', async () => {
    const got = await all(readPackageList('repodata/prestodelta.xml.gz', gzipSync(DELTAS)));
    expect(got).toEqual([
      {
        path: 'drpms/c-1-1_1-2.noarch.drpm',
        size: 1234,
        digests: [{ algorithm: 'sha256', hex: h('4') }],
      },
    ]);
  });

  it('refuses a truncated stream', async () => {
    const gz = gzipSync(body);
    await expect(
      all(readPackageList('primary.xml.gz', gz.subarray(0, gz.length - 9))),
    ).rejects.toThrow();
  });
});

describe('decompression', () => {
  it.skipIf(!hasZstd)(
    'reads multi-member gzip and multi-frame zstd, and names what it cannot read',
    async () => {
      const a = Buffer.from('first part\n');
      const b = Buffer.from('second part\n');
      const both = Buffer.concat([a, b]);
      expect(await decompress(Buffer.concat([gzipSync(a), gzipSync(b)]), 'gz')).toEqual(both);
      expect(await decompress(Buffer.concat([zstd(a), zstd(b)]), 'zst')).toEqual(both);
      expect(compressionOf('primary.xml.bz2')).toBeNull();
      expect(compressionOf('primary.xml.zck')).toBeNull();
      expect(compressionOf('core.db')).toBe('none');
      expect(sniff(gzipSync(a))).toBe('gz');
      expect(sniff(zstd(a))).toBe('zst');
      expect(sniff(xz.compressSync(a))).toBe('xz');
      expect(sniff(a)).toBe('none');
    },
  );
});

describe('request paths', () => {
  it('finds roots above repodata/ at any depth', () => {
    expect(placeOf('fedora/releases/40/Everything/x86_64/os/repodata/repomd.xml')).toEqual({
      kind: 'top',
      root: 'fedora/releases/40/Everything/x86_64/os',
      name: 'repodata/repomd.xml',
    });
    expect(placeOf('repodata/repomd.xml.asc')).toEqual({
      kind: 'top',
      root: '',
      name: 'repodata/repomd.xml.asc',
    });
    expect(placeOf('os/repodata/abc-primary.xml.gz')).toEqual({
      kind: 'member',
      root: 'os',
      rel: 'repodata/abc-primary.xml.gz',
    });
    expect(placeOf('os/Packages/h/hello-1.rpm')).toEqual({ kind: 'other' });
    expect(placeOf('metalink')).toEqual({ kind: 'other' });
  });
});
