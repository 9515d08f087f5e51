// APKINDEX.tar.gz and .apk files as the apk instance reads them: gzip member boundaries (with
// optional header fields), tar segments without end blocks, C:Q1/Q2, packages signed or not,
// and where request paths sit.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { apkRefs, controlDigest, readApkIndex } from '../../../src/ecosystems/apk/apk-index.js';
import { verifyApk } from '../../../src/ecosystems/apk/apk-package.js';
import { apkFormat } from '../../../src/ecosystems/apk/apk-format.js';
import { placeOf } from '../../../src/ecosystems/apk/apk-path.js';
import { memberAt } from '../../../src/ecosystems/apk/gzip-members.js';
import { tarFiles } from '../../../src/repos/tar-entries.js';
import type { BodyView } from '../../../src/engine/types.js';
import { tarSegment } from '../../helpers/apk-repo.js';

const view = (b: Buffer): BodyView => ({
  size: b.length,
  sha256: createHash('sha256').update(b).digest('hex'),
  headers: {},
  read: async (at, n) => b.subarray(at, at + n),
});
const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

async function unsignedApk(payload: string): Promise<{ apk: Buffer; control: Buffer }> {
  const data = gzipSync(await tarSegment({ 'usr/x': payload }, true));
  const datahash = createHash('sha256').update(data).digest('hex');
  const control = gzipSync(
    await tarSegment({ '.PKGINFO': `pkgname = x\ndatahash = ${datahash}\n` }, false),
  );
  return { apk: Buffer.concat([control, data]), control };
}

describe('gzip members and tar segments', () => {
  it('finds where each member ends, header fields and all', () => {
    const named = execFileSync('gzip', ['-c', '-n'], { input: 'first' });
    const withName = Buffer.from(named);
    withName[3] = 0x08; // FNAME, with the name spliced in after the 10-byte header
    const fname = Buffer.concat([
      withName.subarray(0, 10),
      Buffer.from('a.txt\0'),
      withName.subarray(10),
    ]);
    const second = gzipSync('second');
    const both = Buffer.concat([fname, second]);
    const a = memberAt(both, 0);
    expect(a.data.toString()).toBe('first');
    expect(a.end).toBe(fname.length);
    expect(memberAt(both, a.end).data.toString()).toBe('second');
    expect(() => memberAt(both, 3)).toThrow(/no gzip member/);
    expect(() => memberAt(second.subarray(0, second.length - 4), 0)).toThrow();
  });

  it('reads concatenated tar segments, the first without end blocks', async () => {
    const tar = Buffer.concat([
      await tarSegment({ '.SIGN.RSA.k.rsa.pub': 'sig' }, false),
      await tarSegment({ DESCRIPTION: 'd', APKINDEX: 'P:x\n' }, true),
    ]);
    const read: string[][] = [];
    for await (const e of tarFiles(tar, 'none', () => true)) read.push([e.name, e.body.toString()]);
    expect(read).toEqual([
      ['.SIGN.RSA.k.rsa.pub', 'sig'],
      ['DESCRIPTION', 'd'],
      ['APKINDEX', 'P:x\n'],
    ]);
  });
});

describe('APKINDEX', () => {
  const q1 = `Q1${Buffer.alloc(20, 1).toString('base64')}`;
  const text = `C:${q1}\nP:a\nV:1.0-r0\nA:x86_64\nS:123\nI:456\n\nC:Q1short\nP:b\nV:1\nS:1\n\nC:Q2${Buffer.alloc(32, 2).toString('base64')}\nP:c\nV:2-r1\nS:9\n`;

  it('lists packages with the digest of their control member', () => {
    expect(apkRefs(text)).toEqual([
      { path: 'a-1.0-r0.apk', size: 123, digests: [{ algorithm: 'sha1', hex: '01'.repeat(20) }] },
      { path: 'c-2-r1.apk', size: 9, digests: [{ algorithm: 'sha256', hex: '02'.repeat(32) }] },
    ]);
    expect(controlDigest('Q3abc')).toBeNull();
  });

  it('reads the index member after the signature member, and refuses what is not an index', async () => {
    const sig = gzipSync(await tarSegment({ '.SIGN.RSA.k.rsa.pub': 'sig' }, false));
    const index = gzipSync(await tarSegment({ DESCRIPTION: 'd', APKINDEX: text }, true));
    const body = Buffer.concat([sig, index]);
    expect(await readApkIndex(body)).toEqual({ signature: '.SIGN.RSA.k.rsa.pub', text });
    expect(
      await apkFormat.parseTop('v3.20/main/x86_64', new Map([['APKINDEX.tar.gz', body]])),
    ).toEqual({ files: new Map(), validUntil: null, date: null });
    await expect(readApkIndex(gzipSync(Buffer.alloc(1024)))).rejects.toThrow(/no APKINDEX/);
    await expect(readApkIndex(Buffer.from('<html>'))).rejects.toThrow(/no gzip member/);
  });
});

describe('packages', () => {
  it('checks the control member of an unsigned package and its data hash', async () => {
    const { apk, control } = await unsignedApk('payload');
    await verifyApk(view(apk), { algorithm: 'sha1', hex: sha1(control) });
    await expect(verifyApk(view(apk), { algorithm: 'sha1', hex: sha1(apk) })).rejects.toThrow(
      /control sha1/,
    );
    const broken = Buffer.from(apk);
    broken[broken.length - 12] = (broken[broken.length - 12] as number) ^ 0xff;
    await expect(
      verifyApk(view(broken), { algorithm: 'sha1', hex: sha1(control) }),
    ).rejects.toThrow(/TROVE_ERR_VERIFY|not the package/);
  });

  it('hashes the control member of a signed package, not the signature', async () => {
    const { apk, control } = await unsignedApk('payload');
    const sig = gzipSync(await tarSegment({ '.SIGN.RSA.k.rsa.pub': 'sig' }, false));
    const signed = Buffer.concat([sig, apk]);
    await verifyApk(view(signed), { algorithm: 'sha1', hex: sha1(control) });
    await expect(verifyApk(view(signed), { algorithm: 'sha1', hex: sha1(sig) })).rejects.toThrow(
      /index lists/,
    );
  });
});

describe('request paths', () => {
  it('makes the directory of an APKINDEX.tar.gz the root', () => {
    expect(placeOf('v3.20/main/x86_64/APKINDEX.tar.gz')).toEqual({
      kind: 'top',
      root: 'v3.20/main/x86_64',
      name: 'APKINDEX.tar.gz',
    });
    expect(placeOf('APKINDEX.tar.gz')).toEqual({ kind: 'top', root: '', name: 'APKINDEX.tar.gz' });
    expect(placeOf('v3.20/main/x86_64/Packages.adb')).toEqual({ kind: 'other' });
    expect(placeOf('v3.20/main/x86_64/xAPKINDEX.tar.gz')).toEqual({ kind: 'other' });
  });
});
