// The repository-root lifecycle rules, on a fake clock.
import { describe, expect, it } from 'vitest';
import type { Generation } from '../../src/repos/generation.js';
import { ClientPins } from '../../src/repos/client-pins.js';
import {
  due,
  failed,
  forbidden,
  newRoot,
  notFound,
  published,
  revived,
  unchanged,
} from '../../src/repos/root-lifecycle.js';

const gen = (id: number): Generation => ({
  id,
  publishedAt: id,
  upstream: 0,
  top: {},
  validUntil: null,
  date: null,
});
const MIN = 60_000;

describe('root lifecycle', () => {
  it('goes pending -> active -> suspect on failures, keeping its generation', () => {
    let r = newRoot('dists/x', 0);
    expect(r.state).toBe('pending');
    r = failed(r, 'refused');
    expect(r.state).toBe('pending');
    r = published(r, gen(1), 10);
    expect(r).toMatchObject({ state: 'active', failures: 0, generation: { id: 1 } });
    r = failed(r, 'timeout');
    expect(r).toMatchObject({ state: 'suspect', failures: 1, generation: { id: 1 } });
    r = unchanged(r, 20);
    expect(r).toMatchObject({ state: 'active', failures: 0, lastSuccess: 20 });
  });

  it('is removed only after enough not-founds over enough time, and comes back on request', () => {
    let r = published(newRoot('dists/x', 0), gen(1), 0);
    for (let i = 0; i < 10; i++) r = notFound(r, i * 1000, 'gone');
    expect(r.state).toBe('suspect');
    expect(r.generation?.id).toBe(1);
    r = notFound(r, 5 * MIN, 'gone');
    expect(r).toMatchObject({ state: 'removed', generation: null, previous: [] });
    expect(due(r, 10 * MIN, MIN)).toBe(false);
    r = revived(r, 11 * MIN);
    expect(r).toMatchObject({ state: 'pending', notFound: 0 });
    expect(due(r, 11 * MIN, MIN)).toBe(true);
  });

  it('blocks refreshes for a while after a 403', () => {
    let r = published(newRoot('dists/x', 0), gen(1), 0);
    r = forbidden({ ...r, lastAttempt: 0 }, 0, '403');
    expect(r.state).toBe('blocked');
    expect(due(r, MIN, 1000)).toBe(false);
    expect(due(r, 2 * MIN, 1000)).toBe(true);
  });

  it('keeps a bounded number of earlier generations, newest first', () => {
    let r = newRoot('dists/x', 0);
    for (let i = 1; i <= 5; i++) r = published(r, gen(i), i);
    expect(r.generation?.id).toBe(5);
    expect(r.previous.map((g) => g.id)).toEqual([4, 3]);
  });

  it('retries failing roots sooner than the interval, backing off', () => {
    const r = failed({ ...published(newRoot('x', 0), gen(1), 0), lastAttempt: 0 }, 'x');
    expect(due(r, 29_000, 3_600_000)).toBe(false);
    expect(due(r, 30_000, 3_600_000)).toBe(true);
  });
});

describe('client pins', () => {
  it('pins by connection first, then by address, for a while', () => {
    let now = 0;
    const pins = new ClientPins(100, 1000, () => now);
    const a = { address: '10.0.0.1', connection: '10.0.0.1 5000' };
    const b = { address: '10.0.0.1', connection: '10.0.0.1 5001' };
    pins.pin(a, 'r', 1);
    pins.pin(b, 'r', 2);
    expect(pins.get(a, 'r')).toBe(1);
    expect(pins.get(b, 'r')).toBe(2);
    expect(pins.get({ address: '10.0.0.1', connection: '10.0.0.1 6000' }, 'r')).toBe(2);
    now = 1001;
    expect(pins.get(a, 'r')).toBeUndefined();
  });
});
