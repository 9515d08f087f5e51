// Every error code is documented, and codes are unique, stable and prefixed.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, TroveError, toTroveError } from '../../src/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');

describe('error codes', () => {
  for (const code of Object.keys(ERROR_CODES)) {
    it(`${code} is documented in docs/errors.md`, () => {
      expect(doc).toMatch(new RegExp(`\\|\\s*\`${code}\`\\s*\\|`));
    });
  }

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/\|\s*`(TROVE_ERR_[A-Z_]+)`\s*\|/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('carries code, status and cause', () => {
    const cause = new Error('boom');
    const e = new TroveError('TROVE_ERR_UPSTREAM_STATUS', 'bad', { cause, status: 403 });
    expect(e).toMatchObject({ code: 'TROVE_ERR_UPSTREAM_STATUS', status: 403, cause });
    expect(new TroveError('TROVE_ERR_VERIFY', 'x').status).toBe(502);
    expect(toTroveError(cause).code).toBe('TROVE_ERR_INTERNAL');
    expect(toTroveError(e)).toBe(e);
  });
});
