// Which hits hash their blob: every one (always), none (off), or the first per process and
// again after the file's identity changes or a day passes (changed).
import { describe, expect, it } from 'vitest';
import { VerifiedBlobs } from '../../src/engine/verified-blobs.js';

describe('VerifiedBlobs', () => {
  it('changed: hashes until verified, again when the identity changes or a day has passed', () => {
    let now = 0;
    const v = new VerifiedBlobs('changed', () => now);
    expect(v.needsHash('d', 'ino1:100:t1')).toBe(true);
    v.verified('d', 'ino1:100:t1');
    expect(v.needsHash('d', 'ino1:100:t1')).toBe(false);
    expect(v.needsHash('d', 'ino1:100:t2')).toBe(true);
    expect(v.needsHash('d', 'ino2:100:t1')).toBe(true);
    expect(v.needsHash('d', undefined)).toBe(true);
    now += 24 * 3_600_000 + 1;
    expect(v.needsHash('d', 'ino1:100:t1')).toBe(true);
    v.verified('d', 'ino1:100:t1');
    v.forget('d');
    expect(v.needsHash('d', 'ino1:100:t1')).toBe(true);
  });

  it('always hashes and off never does, whatever was verified', () => {
    const always = new VerifiedBlobs('always');
    always.verified('d', 'x');
    expect(always.needsHash('d', 'x')).toBe(true);
    const off = new VerifiedBlobs('off');
    expect(off.needsHash('d', 'x')).toBe(false);
  });
});
