// Module paths and versions as the go command and golang.org/x/mod define them.
import { describe, expect, it } from 'vitest';
import {
  checkModulePath,
  escapeModulePath,
  escapeVersion,
  matchesPathMajor,
  splitPathVersion,
  unescapeModulePath,
  unescapeVersion,
} from '../../../src/ecosystems/go/module-path.js';
import {
  canonicalVersion,
  compareSemver,
  isCanonicalVersion,
  isValidSemver,
} from '../../../src/ecosystems/go/semver.js';

describe('module paths', () => {
  const valid = [
    'example.com',
    'github.com/Azure/azure-sdk-for-go',
    'golang.org/x/text',
    'rsc.io/quote/v3',
    'example.com/a_b~c/d-e.f',
    'gopkg.in/yaml.v2',
    'gopkg.in/check.v1',
    'gopkg.in/src-d/go-git.v4',
    'gopkg.in/foo.v0',
    'golang.org/toolchain',
    'example.com/v10',
  ];
  for (const p of valid) it(`accepts ${p}`, () => expect(checkModulePath(p)).toBeNull());

  const invalid: Array<[string, string]> = [
    ['', 'empty string'],
    ['example', 'missing dot in first path element'],
    ['Example.com/x', 'invalid char "E" in first path element'],
    ['-example.com', 'leading dash'],
    ['example.com/', 'trailing slash'],
    ['example.com//x', 'double slash'],
    ['example.com/.x', 'leading dot in path element'],
    ['example.com/x.', 'trailing dot in path element'],
    ['example.com/..', 'invalid path element ".."'],
    ['example.com/a+b', 'invalid char "+"'],
    ['example.com/a b', 'invalid char " "'],
    ['example.com/a@b', 'invalid char "@"'],
    ['example.com/é', 'invalid char "é"'],
    ['example.com/con', '"con" disallowed as path element component on Windows'],
    ['example.com/LPT1.txt', '"LPT1" disallowed as path element component on Windows'],
    ['example.com/GOPRO~1', 'trailing tilde and digits in path element'],
    ['example.com/x/v1', 'invalid version'],
    ['example.com/x/v0', 'invalid version'],
    ['example.com/x/v02', 'invalid version'],
    ['example.com/x/v2.1', 'invalid version'],
    ['gopkg.in/yaml', 'invalid version'],
    ['gopkg.in/yaml.v01', 'invalid version'],
  ];
  for (const [p, why] of invalid)
    it(`rejects ${JSON.stringify(p)}: ${why}`, () => expect(checkModulePath(p)).toBe(why));

  it('splits the major version suffix', () => {
    expect(splitPathVersion('rsc.io/quote/v3')).toEqual({
      prefix: 'rsc.io/quote',
      pathMajor: '/v3',
      ok: true,
    });
    expect(splitPathVersion('rsc.io/quote')).toEqual({
      prefix: 'rsc.io/quote',
      pathMajor: '',
      ok: true,
    });
    expect(splitPathVersion('gopkg.in/yaml.v2')).toEqual({
      prefix: 'gopkg.in/yaml',
      pathMajor: '.v2',
      ok: true,
    });
    expect(splitPathVersion('gopkg.in/x.v3-unstable')).toEqual({
      prefix: 'gopkg.in/x',
      pathMajor: '.v3-unstable',
      ok: true,
    });
  });

  it('matches versions to the path major version', () => {
    expect(matchesPathMajor('v1.2.3', '')).toBe(true);
    expect(matchesPathMajor('v0.1.0', '')).toBe(true);
    expect(matchesPathMajor('v2.0.0', '')).toBe(false);
    expect(matchesPathMajor('v2.0.0+incompatible', '')).toBe(true);
    expect(matchesPathMajor('v3.1.0', '/v3')).toBe(true);
    expect(matchesPathMajor('v1.0.0', '/v3')).toBe(false);
    expect(matchesPathMajor('v2.2.1', '.v2')).toBe(true);
    expect(matchesPathMajor('v0.0.0-20161208181325-20d25e280405', '.v1')).toBe(true);
    expect(matchesPathMajor('v3.0.0', '.v3-unstable')).toBe(true);
  });
});

describe('case-encoding (go.dev/ref/mod#goproxy-protocol)', () => {
  it('escapes upper case as ! plus lower case, and back', () => {
    const pairs: Array<[string, string]> = [
      ['github.com/Azure/azure-sdk-for-go', 'github.com/!azure/azure-sdk-for-go'],
      [
        'github.com/GoogleCloudPlatform/cloudsql-proxy',
        'github.com/!google!cloud!platform/cloudsql-proxy',
      ],
      ['github.com/Sirupsen/logrus', 'github.com/!sirupsen/logrus'],
      ['golang.org/x/text', 'golang.org/x/text'],
    ];
    for (const [plain, escaped] of pairs) {
      expect(escapeModulePath(plain)).toEqual({ ok: true, value: escaped });
      expect(unescapeModulePath(escaped)).toEqual({ ok: true, value: plain });
    }
  });

  it('rejects non-canonical escapes', () => {
    for (const bad of [
      'github.com/Azure/x',
      'github.com/!',
      'github.com/!1x',
      'github.com/!!x',
      'github.com/é',
    ]) {
      const r = unescapeModulePath(bad);
      expect(r.ok).toBe(false);
    }
    expect(unescapeModulePath('example')).toEqual({
      ok: false,
      reason: 'invalid escaped module path "example": missing dot in first path element',
    });
    expect(escapeModulePath('example.com/x/v1')).toEqual({
      ok: false,
      reason: 'malformed module path "example.com/x/v1": invalid version',
    });
  });

  it('escapes versions, which may be queries but not unsafe file names', () => {
    expect(escapeVersion('v1.0.0-RC1')).toEqual({ ok: true, value: 'v1.0.0-!r!c1' });
    expect(unescapeVersion('v1.0.0-!r!c1')).toEqual({ ok: true, value: 'v1.0.0-RC1' });
    expect(unescapeVersion('master')).toEqual({ ok: true, value: 'master' });
    expect(escapeVersion('v1!')).toMatchObject({ ok: false });
    expect(unescapeVersion('a/b').ok).toBe(false);
    expect(unescapeVersion('..').ok).toBe(false);
    expect(unescapeVersion('x*y').ok).toBe(false);
  });
});

describe('semver', () => {
  it('validates and canonicalizes like golang.org/x/mod/semver', () => {
    for (const v of [
      'v1',
      'v1.2',
      'v1.2.3',
      'v1.2.3-pre.1',
      'v1.2.3+meta',
      'v2.0.0+incompatible',
      'v0.0.0-20191109021931-daa7c04131f5',
    ]) {
      expect(isValidSemver(v), v).toBe(true);
    }
    for (const v of ['1.2.3', 'v01.2.3', 'v1.02.3', 'v1.2.3-01', 'v1.2.3.4', 'v1.2-pre', 'v', '']) {
      expect(isValidSemver(v), v).toBe(false);
    }
    expect(canonicalVersion('v1')).toBe('v1.0.0');
    expect(canonicalVersion('v1.2')).toBe('v1.2.0');
    expect(canonicalVersion('v1.2.3+meta')).toBe('v1.2.3');
    expect(canonicalVersion('v2.0.0+incompatible')).toBe('v2.0.0+incompatible');
    expect(canonicalVersion('junk')).toBe('');
    expect(isCanonicalVersion('v1.2.3')).toBe(true);
    expect(isCanonicalVersion('v1.2')).toBe(false);
    expect(isCanonicalVersion('v1.2.3+meta')).toBe(false);
  });

  it('orders by precedence', () => {
    const sorted = [
      'v1.10.0',
      'v1.2.0',
      'v1.2.0-rc.1',
      'v1.2.0-beta',
      'v1.2.0-rc.10',
      'v1.2.0-rc.2',
      'v0.9.0',
      'v1.2.0-1',
    ].sort(compareSemver);
    expect(sorted).toEqual([
      'v0.9.0',
      'v1.2.0-1',
      'v1.2.0-beta',
      'v1.2.0-rc.1',
      'v1.2.0-rc.2',
      'v1.2.0-rc.10',
      'v1.2.0',
      'v1.10.0',
    ]);
  });
});
