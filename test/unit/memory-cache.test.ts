// The memory cache: an LRU bounded in bytes, with a larger per-object limit for metadata.
import { describe, expect, it } from 'vitest';
import { ENTRY_OVERHEAD, MemoryCache } from '../../src/engine/memory-cache.js';

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
    const each = 1000 + ENTRY_OVERHEAD;
    const m = new MemoryCache(3 * each, 1000, 1000);
    for (const k of ['a', 'b', 'c']) m.set(k, Buffer.alloc(1000));
    m.get('a');
    m.set('d', Buffer.alloc(1000));
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBeDefined();
    expect(m.bytes).toBe(3 * each);
  });

  it('counts what each entry costs beyond its bytes, and keeps no shared pool alive', () => {
    const m = new MemoryCache(100 * (64 + ENTRY_OVERHEAD), 1000);
    for (let i = 0; i < 1000; i++) m.set(`k${i}`, Buffer.from(`object ${i}`.padEnd(64, '.')));
    // A hundred tiny objects fit the budget, not the 6,400 their bytes alone would allow.
    expect(m.get('k899')).toBeUndefined();
    const kept = m.get('k999');
    expect(kept?.toString()).toBe('object 999'.padEnd(64, '.'));
    // Buffer.from of a short string is a view into Node's shared 8 KiB pool: the cache copies
    // it, so its entry holds 64 bytes, not the pool.
    expect(kept?.buffer.byteLength).toBe(64);
    expect(m.bytes).toBe(100 * (64 + ENTRY_OVERHEAD));
  });
});
