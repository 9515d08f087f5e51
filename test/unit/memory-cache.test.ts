// The memory cache: an LRU bounded in bytes, with a larger per-object limit for metadata.
import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/engine/memory-cache.js';

describe('MemoryCache', () => {
  it('keeps metadata up to its own limit, other objects up to theirs', () => {
    const m = new MemoryCache(4 * 1024 * 1024, 64 * 1024, 1024 * 1024);
    const big = Buffer.alloc(512 * 1024);
    m.set('artifact', big, m.limit('artifact'));
    m.set('metadata', big, m.limit('metadata'));
    expect(m.get('artifact')).toBeUndefined();
    expect(m.get('metadata')).toBe(big);
    m.set('huge', Buffer.alloc(2 * 1024 * 1024), m.limit('metadata'));
    expect(m.get('huge')).toBeUndefined();
  });

  it('evicts the least recently used objects past its byte budget', () => {
    const m = new MemoryCache(3000, 1000, 1000);
    for (const k of ['a', 'b', 'c']) m.set(k, Buffer.alloc(1000));
    m.get('a');
    m.set('d', Buffer.alloc(1000));
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBeDefined();
    expect(m.bytes).toBe(3000);
  });
});
