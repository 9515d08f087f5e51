// Bodies read whole with a bound: what fits comes back, what passes the bound is refused.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readBounded } from '../../src/util/read-bounded.js';

const body = (...parts: string[]): Readable => Readable.from(parts.map((p) => Buffer.from(p)));

describe('readBounded', () => {
  it('returns a body up to the bound, whole', async () => {
    const got = await readBounded(body('ab', 'cd'), 4, () => new Error('too large'));
    expect(got.toString()).toBe('abcd');
  });

  it('refuses a body past the bound and stops reading it', async () => {
    const stream = body('ab', 'cd', 'e');
    await expect(readBounded(stream, 4, () => new Error('too large'))).rejects.toThrow('too large');
    expect(stream.destroyed).toBe(true);
  });
});
