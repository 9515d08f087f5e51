import { describe, expect, it } from 'vitest';
import { LeaseTable } from '../../src/cluster/lease-table.js';
import { snapshot, type FillSnapshot, type ToWorker } from '../../src/cluster/messages.js';

const snap = (over: Partial<FillSnapshot> = {}): FillSnapshot =>
  snapshot({ spool: '/tmp/x.part', ...over });

function table(): { t: LeaseTable; sent: Array<[number, ToWorker]> } {
  const sent: Array<[number, ToWorker]> = [];
  return { t: new LeaseTable((w, m) => sent.push([w, m])), sent };
}

describe('lease table', () => {
  it('gives a key to its first claimer, and makes later claimers watch the owner', () => {
    const { t, sent } = table();
    t.claim(1, 10, 'k');
    t.claim(2, 20, 'k');
    t.claim(3, 30, 'k');
    expect(sent).toEqual([
      [1, { trove: 1, t: 'claimed', id: 10, own: true }],
      [2, { trove: 1, t: 'claimed', id: 20, own: false }],
      // The owner is asked for news once, when its first watcher arrives.
      [1, { trove: 1, t: 'watch', key: 'k' }],
      [3, { trove: 1, t: 'claimed', id: 30, own: false }],
    ]);
  });

  it("relays the owner's news, answers a late watcher with the latest, and ends on the last", () => {
    const { t, sent } = table();
    t.claim(1, 1, 'k');
    t.claim(2, 2, 'k');
    sent.length = 0;
    t.state(1, 'k', snap({ received: 5, avail: 4 }));
    t.state(2, 'k', snap({ received: 99 })); // not the owner: ignored
    t.claim(3, 3, 'k');
    expect(sent.map(([w, m]) => [w, m.t])).toEqual([
      [2, 'state'],
      [3, 'claimed'],
      [3, 'state'],
    ]);
    t.state(1, 'k', snap({ received: 5, avail: 5, done: true, settled: true }));
    expect(t.size).toBe(0);
    t.claim(2, 4, 'k');
    expect(sent.at(-1)).toEqual([2, { trove: 1, t: 'claimed', id: 4, own: true }]);
  });

  it("tells the watchers of a dead owner's fills that they are lost, and returns its spools", () => {
    const { t, sent } = table();
    t.claim(1, 1, 'a');
    t.claim(1, 2, 'b');
    t.claim(2, 3, 'a');
    t.state(1, 'a', snap({ spool: '/tmp/a.part' }));
    t.claim(2, 4, 'c');
    t.claim(1, 5, 'c');
    sent.length = 0;
    expect(t.exited(1)).toEqual(['/tmp/a.part']);
    expect(sent).toHaveLength(1);
    const [to, m] = sent[0] as [number, ToWorker];
    expect(to).toBe(2);
    expect(m.t === 'state' && [m.key, m.snap.settled, m.snap.error?.code]).toEqual([
      'a',
      true,
      'TROVE_ERR_FILL_LOST',
    ]);
    // c stays with its owner, without the dead watcher; a and b are free again.
    expect(t.size).toBe(1);
  });
});
