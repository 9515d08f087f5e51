import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize } from '../../src/util/units.js';

describe('units', () => {
  it('parses durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration(2)).toBe(2000);
    expect(parseDuration('0')).toBe(0);
    for (const bad of ['', '5', 'm', '5 minutes', '-1s', '1h x'])
      expect(typeof parseDuration(bad)).toBe('string');
  });

  it('parses sizes', () => {
    expect(parseSize('64KiB')).toBe(65536);
    expect(parseSize('10GB')).toBe(10e9);
    expect(parseSize('1.5MiB')).toBe(1572864);
    expect(parseSize(123)).toBe(123);
    for (const bad of ['', 'lots', '5 XB', '-3']) expect(typeof parseSize(bad)).toBe('string');
  });
});
