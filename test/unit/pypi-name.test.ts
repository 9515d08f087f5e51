// Python project names: PEP 508 validity and PEP 503 normalization (one cache key per project,
// whatever the spelling), and the request paths a pip or uv client sends.
import { describe, expect, it } from 'vitest';
import { normalize, projectName } from '../../src/ecosystems/pypi/project-name.js';
import { classify } from '../../src/ecosystems/pypi/pypi-request.js';

describe('projectName', () => {
  const same: Array<[string, string]> = [
    ['Django', 'django'],
    ['Foo_Bar.baz', 'foo-bar-baz'],
    ['foo--bar__baz', 'foo-bar-baz'],
    ['zope.interface', 'zope-interface'],
    ['A', 'a'],
    ['a1', 'a1'],
  ];
  for (const [given, want] of same) {
    it(`normalizes ${given}`, () => {
      expect(projectName(given)).toBe(want);
      expect(normalize(given)).toBe(want);
    });
  }
  for (const bad of [
    '',
    '-a',
    'a-',
    '.a',
    'a_',
    'a b',
    'a/b',
    'ä',
    '..',
    'a\u0000',
    'x'.repeat(201),
  ]) {
    it(`refuses ${JSON.stringify(bad.slice(0, 20))}`, () => {
      expect(() => projectName(bad)).toThrow(expect.objectContaining({ code: 'TROVE_ERR_NAME' }));
    });
  }
});

describe('pypi request paths', () => {
  const seg = (p: string) => p.split('/');
  it('classifies the simple API, files, core metadata and the JSON API', () => {
    expect(classify(seg('simple/'), 'GET')).toEqual({ kind: 'root' });
    expect(classify(seg('simple/foo-bar/'), 'HEAD')).toEqual({ kind: 'page', project: 'foo-bar' });
    expect(classify(seg('simple/Foo_Bar/'), 'GET')).toEqual({
      kind: 'redirect',
      path: 'simple/foo-bar/',
    });
    expect(classify(seg('simple'), 'GET')).toEqual({ kind: 'redirect', path: 'simple/' });
    const sha = 'a'.repeat(64);
    expect(classify(seg(`files/foo/${sha}/foo-1.0-py3-none-any.whl.metadata`), 'GET')).toEqual({
      kind: 'file',
      project: 'foo',
      sha256: sha,
      filename: 'foo-1.0-py3-none-any.whl',
      metadata: true,
    });
    expect(classify(seg('files/foo/nohash/foo-1.0.tar.gz'), 'GET')).toMatchObject({
      sha256: 'nohash',
      metadata: false,
    });
    expect(classify(seg('pypi/Foo/json'), 'GET')).toEqual({ kind: 'json-api', project: 'foo' });
    expect(classify(seg('pypi/foo/1.0/json'), 'GET')).toEqual({
      kind: 'json-api',
      project: 'foo',
      version: '1.0',
    });
  });

  const refused: Array<[string, string, string]> = [
    ['simple/foo/extra/', 'GET', 'TROVE_ERR_NOT_FOUND'],
    ['files/foo/abc/foo-1.0.tar.gz', 'GET', 'TROVE_ERR_NOT_FOUND'],
    [`files/foo/${'A'.repeat(64)}/foo-1.0.tar.gz`, 'GET', 'TROVE_ERR_NOT_FOUND'],
    [`files/foo/${'a'.repeat(64)}/.metadata`, 'GET', 'TROVE_ERR_NAME'],
    [`files/foo/${'a'.repeat(64)}/..`, 'GET', 'TROVE_ERR_NAME'],
    ['files/foo/nohash', 'GET', 'TROVE_ERR_NOT_FOUND'],
    ['pypi/foo/1.0/2.0/json', 'GET', 'TROVE_ERR_NOT_FOUND'],
    ['pypi/foo/1 0/json', 'GET', 'TROVE_ERR_NAME'],
    ['simple/foo/', 'POST', 'TROVE_ERR_METHOD'],
    ['legacy/', 'POST', 'TROVE_ERR_METHOD'],
    ['', 'GET', 'TROVE_ERR_NOT_FOUND'],
  ];
  for (const [path, method, code] of refused) {
    it(`refuses ${method} /${path} with ${code}`, () => {
      expect(() => classify(seg(path), method)).toThrow(expect.objectContaining({ code }));
    });
  }
});
