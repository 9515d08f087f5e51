import { describe, expect, it } from 'vitest';
import { ChunkWindow } from '../../src/engine/chunk-window.js';

describe('ChunkWindow', () => {
  it('serves recent bytes and forgets durable old ones', () => {
    const w = new ChunkWindow(4);
    w.push(Buffer.from('abc'));
    w.push(Buffer.from('defg'));
    w.push(Buffer.from('hi'));
    expect(w.read(0, 10)?.toString()).toBe('abc');
    expect(w.read(4, 2)?.toString()).toBe('ef');
    expect(w.read(9, 5)).toBeNull();
    w.trim(9); // all on disk: keep only the last 4 bytes' chunks
    expect(w.read(0, 1)).toBeNull();
    expect(w.read(3, 4)?.toString()).toBe('defg');
    expect(w.read(8, 4)?.toString()).toBe('i');
  });

  it('keeps bytes that are not on disk yet, however old', () => {
    const w = new ChunkWindow(1);
    w.push(Buffer.from('aaaa'));
    w.push(Buffer.from('bbbb'));
    w.trim(0);
    expect(w.read(0, 4)?.toString()).toBe('aaaa');
    w.trim(4);
    expect(w.read(0, 4)).toBeNull();
    expect(w.read(4, 4)?.toString()).toBe('bbbb');
  });

  it('returns the whole body from memory only while all of it is there', () => {
    const w = new ChunkWindow(2);
    expect(w.prefix(0)?.length).toBe(0);
    w.push(Buffer.from('abc'));
    w.push(Buffer.from('de'));
    expect(w.prefix(5)?.toString()).toBe('abcde');
    expect(w.prefix(4)?.toString()).toBe('abcd');
    expect(w.prefix(6)).toBeNull();
    w.trim(5);
    expect(w.prefix(5)).toBeNull();
  });
});
