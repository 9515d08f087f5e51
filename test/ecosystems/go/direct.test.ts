// The pieces of `direct`: pseudo-versions, go-import discovery, netrc, GitHub App JWTs and the
// module zip rules, against hand-checked cases (the e2e test compares whole modules with go).
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { appJwt, parseNetrc } from '../../../src/ecosystems/go/direct/credentials.js';
import { InvalidModuleError, moduleZip } from '../../../src/ecosystems/go/direct/module-zip.js';
import { parsePseudo, pseudoVersion } from '../../../src/ecosystems/go/direct/pseudo.js';
import { parseGoImports } from '../../../src/ecosystems/go/direct/repo-resolver.js';

describe('pseudo-versions', () => {
  const t = Date.UTC(2024, 2, 4, 5, 6, 7) / 1000;
  const hash = '768121194d35aabbccddeeff0011223344556677';
  it('builds the three forms', () => {
    expect(pseudoVersion('v0', undefined, t, hash)).toBe('v0.0.0-20240304050607-768121194d35');
    expect(pseudoVersion('v2', undefined, t, hash)).toBe('v2.0.0-20240304050607-768121194d35');
    expect(pseudoVersion('v1', 'v1.4.2', t, hash)).toBe('v1.4.3-0.20240304050607-768121194d35');
    expect(pseudoVersion('v1', 'v1.5.0-rc.1', t, hash)).toBe(
      'v1.5.0-rc.1.0.20240304050607-768121194d35',
    );
    expect(pseudoVersion('v3', 'v3.1.0+incompatible', t, hash)).toBe(
      'v3.1.1-0.20240304050607-768121194d35+incompatible',
    );
  });
  it('reads the revision and time back', () => {
    expect(parsePseudo('v1.4.3-0.20240304050607-768121194d35')).toEqual({
      time: '20240304050607',
      rev: '768121194d35',
    });
    expect(parsePseudo('v1.4.3')).toBeNull();
  });
});

describe('go-import discovery', () => {
  it('reads metas in any attribute order and quoting, in the head only', () => {
    const html = `<html><head>
      <meta content="example.com/a git https://git.example.com/a" name="go-import">
      <meta name='go-import' content='example.com/b mod https://proxy.example.com'>
      <meta name="go-source" content="ignored">
      </head><body><meta name="go-import" content="example.com/c git https://x"></body></html>`;
    expect(parseGoImports(html)).toEqual([
      { root: 'example.com/a', vcs: 'git', url: 'https://git.example.com/a' },
      { root: 'example.com/b', vcs: 'mod', url: 'https://proxy.example.com' },
    ]);
  });
});

describe('credentials', () => {
  it('parses netrc machines, default and comments', () => {
    const text =
      '# comment\nmachine a.example login u1 password p1\ndefault\n  login anon password x\n';
    expect(parseNetrc(text)).toEqual([
      { machine: 'a.example', login: 'u1', password: 'p1' },
      { machine: '*', login: 'anon', password: 'x' },
    ]);
  });
  it('signs GitHub App JWTs with RS256', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = Date.UTC(2026, 0, 1);
    const jwt = appJwt('123', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), now);
    const [h, b, s] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(b, 'base64url').toString())).toEqual({
      iat: now / 1000 - 60,
      exp: now / 1000 + 540,
      iss: '123',
    });
    expect(
      verify('RSA-SHA256', Buffer.from(`${h}.${b}`), publicKey, Buffer.from(s, 'base64url')),
    ).toBe(true);
  });
});

/** A git-archive-like zip ("prefix/..." entries with unix modes) as a random-access view. */
async function archive(entries: Array<[string, string, number?]>) {
  const z = new yazl.ZipFile();
  for (const [name, text, mode] of entries)
    z.addBuffer(Buffer.from(text), `prefix/${name}`, { mode: mode ?? 0o100644 });
  z.end();
  const parts: Buffer[] = [];
  for await (const c of z.outputStream) parts.push(c as Buffer);
  const buf = Buffer.concat(parts);
  return {
    size: buf.length,
    read: async (p: number, n: number) => buf.subarray(p, p + n),
    close: async () => undefined,
  };
}

async function names(zip: AsyncIterable<unknown>): Promise<string[]> {
  const parts: Buffer[] = [];
  for await (const c of zip) parts.push(c as Buffer);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(Buffer.concat(parts), (err, z) => {
      if (err || !z) return reject(err);
      const out: string[] = [];
      z.on('entry', (e: yauzl.Entry) => out.push(e.fileName));
      z.on('end', () => resolve(out.sort()));
    });
  });
}

describe('module zip rules', () => {
  it('keeps the module files and leaves out vendor, nested modules and symlinks', async () => {
    const a = await archive([
      ['sub/go.mod', 'module m/sub\n'],
      ['sub/m.go', 'package m\n'],
      ['sub/vendor/x/y.go', 'package y\n'],
      ['sub/vendor/modules.txt', '# x\n'],
      ['sub/inner/go.mod', 'module m/sub/inner\n'],
      ['sub/inner/i.go', 'package i\n'],
      ['sub/link.go', 'm.go', 0o120777],
      ['other/o.go', 'package o\n'],
    ]);
    const zip = await moduleZip(a, 'sub', 'm/sub@v1.0.0', async () =>
      Buffer.from('root licence\n'),
    );
    expect(await names(zip)).toEqual([
      'm/sub@v1.0.0/LICENSE',
      'm/sub@v1.0.0/go.mod',
      'm/sub@v1.0.0/m.go',
      'm/sub@v1.0.0/vendor/modules.txt',
    ]);
  });

  it('refuses case-fold collisions and invalid file names', async () => {
    const collide = await archive([
      ['A.go', 'x'],
      ['a.go', 'y'],
    ]);
    await expect(moduleZip(collide, '', 'm@v1.0.0', async () => null)).rejects.toBeInstanceOf(
      InvalidModuleError,
    );
    const bad = await archive([['dir/bad:name.go', 'x']]);
    await expect(moduleZip(bad, '', 'm@v1.0.0', async () => null)).rejects.toThrow(
      /malformed file path/,
    );
  });
});
