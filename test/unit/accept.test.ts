// Accept negotiation with q-values: the most specific range sets an offer's q (RFC 9110 §12.5.1).
import { describe, expect, it } from 'vitest';
import { acceptsGzip, negotiate } from '../../src/ecosystems/common/accept.js';

const FULL = 'application/json';
const CORGI = 'application/vnd.npm.install-v1+json';
const offers = [FULL, CORGI];

describe('negotiate', () => {
  const cases: Array<[string | undefined, string | null]> = [
    [undefined, FULL],
    ['', FULL],
    ['application/json', FULL],
    [CORGI, CORGI],
    // What npm and pnpm send for installs.
    [`${CORGI}; q=1.0, application/json; q=0.8, */*`, CORGI],
    ['*/*', FULL],
    [`${CORGI};q=0.5, application/json`, FULL],
    [`${CORGI};q=0, */*`, FULL],
    [`application/json;q=0.01, ${CORGI};q=0.02`, CORGI],
    ['application/*', FULL],
    [`application/*;q=0.9, ${CORGI}`, CORGI],
    ['text/html', null],
    ['application/json;q=0, */*;q=0', null],
    ['garbage, , ;q=', null],
  ];
  for (const [accept, want] of cases) {
    it(`${JSON.stringify(accept)} -> ${want}`, () => {
      expect(negotiate(accept, offers)).toBe(want);
    });
  }
});

describe('acceptsGzip', () => {
  const cases: Array<[string | undefined, boolean]> = [
    [undefined, false],
    ['', false],
    ['gzip', true],
    ['gzip, deflate, br', true],
    ['x-gzip', true],
    ['br;q=1, gzip;q=0.1', true],
    ['gzip;q=0', false],
    ['*', true],
    ['*;q=0', false],
    ['gzip;q=0, *', false],
    ['identity', false],
    ['deflate', false],
  ];
  for (const [header, want] of cases) {
    it(`${JSON.stringify(header)} -> ${want}`, () => expect(acceptsGzip(header)).toBe(want));
  }
});
