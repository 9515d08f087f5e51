import { describe, expect, it } from 'vitest';
import { checkPath } from '../../src/server/safe-path.js';

describe('checkPath', () => {
  it('gives the same answer on the plain fast path and the decoding path', () => {
    const pairs: Array<[string, string]> = [
      ['/a/b/c.tar.gz', '/a/%62/c.tar.gz'],
      ['/a/b/', '/%61/b/'],
      ['/pkg@1.0.0/x+y', '/pkg%401.0.0/x%2By'],
      ['/.hidden/a..b', '/%2Ehidden/a..b'],
    ];
    for (const [plain, encoded] of pairs) expect(checkPath(plain)).toEqual(checkPath(encoded));
    expect(checkPath('/a/b/')).toEqual({ ok: true, segments: ['a', 'b', ''], path: 'a/b/' });
    expect(checkPath('/')).toEqual({ ok: true, segments: [], path: '' });
  });

  it('sends anything unusual down the checking path', () => {
    for (const bad of ['/a/../b', '/a//b', '/..', '/a/%2e%2e/b', '/a\\b', '/a/%00']) {
      expect(checkPath(bad).ok).toBe(false);
    }
    // "This directory" goes away (RFC 3986 §5.2.4), as apt's flat repositories need.
    expect(checkPath('/a/./b')).toEqual({ ok: true, segments: ['a', 'b'], path: 'a/b' });
    expect(checkPath('/a/%2e/b').ok).toBe(false);
    expect(checkPath('/a/.')).toEqual(checkPath('/a/'));
    expect(checkPath('/./../x').ok).toBe(false);
    expect(checkPath('/a/é').ok).toBe(true);
  });
});
