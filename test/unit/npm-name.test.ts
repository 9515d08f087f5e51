// npm package names: the rules for existing packages (validate-npm-package-name's
// validForOldPackages), so legacy names stay reachable and unsafe ones never reach storage.
import { describe, expect, it } from 'vitest';
import { apiPath, packageName } from '../../src/ecosystems/npm/package-name.js';

describe('packageName', () => {
  for (const ok of [
    'lodash',
    'JSONStream',
    'left-pad',
    'a.b_c~d',
    "x'y!(z)*",
    '@babel/core',
    '@a/b',
  ]) {
    it(`accepts ${ok}`, () => expect(packageName(ok).full).toBe(ok));
  }
  const bad = [
    '',
    '.bin',
    '_private',
    'node_modules',
    'favicon.ico',
    'a b',
    'a/b',
    '@scope',
    '@/x',
    '@s/',
    '@s/a/b',
    'caf\u00e9',
    'x'.repeat(215),
    'a:b',
    'a%2fb',
  ];
  for (const name of bad) {
    it(`refuses ${JSON.stringify(name.slice(0, 20))}`, () => {
      expect(() => packageName(name)).toThrow(/invalid package name/);
    });
  }
  it('spells a scoped name with %2f for the registry API', () => {
    expect(apiPath(packageName('@babel/core'))).toBe('@babel%2fcore');
    expect(apiPath(packageName('lodash'))).toBe('lodash');
  });
});
