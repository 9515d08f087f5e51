// The dashboard's numbers over HTTP (/ui/api/stats): counters from the index, bytes from the
// metrics, and each upstream's health from when it last answered and last failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream, until } from '../helpers/fake-upstream.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

interface Stats {
  store: { objects: number; bytes: number; maxBytes: number | null; text: string };
  instances: Record<
    string,
    { requests: number; objects: number; servedBytes: number; text: Record<string, string> }
  >;
}

let up: FakeUpstream;
let trove: TestTrove;

beforeAll(async () => {
  up = await new FakeUpstream().file('/a.txt', 'aaaa\n').start();
  trove = await startTrove({
    storage: { max_size: '10MiB' },
    instances: {
      live: { type: 'file', upstreams: [up.url] },
      dead: { type: 'file', upstreams: ['http://127.0.0.1:1'] },
    },
  });
});

afterAll(async () => {
  await trove.stop();
  await up.stop();
});

const stats = async (): Promise<Stats> =>
  JSON.parse((await get(`${trove.url}/ui/api/stats`)).body.toString()) as Stats;

describe('dashboard numbers', () => {
  it('says which upstream answers and which fails, and counts what was served', async () => {
    const before = await stats();
    expect(before.instances['live']?.text['upstream']).toBe('not asked since start');
    expect((await get(`${trove.url}/live/a.txt`)).status).toBe(200);
    expect((await get(`${trove.url}/dead/a.txt`)).status).toBe(502);
    await until(async () => (await stats()).instances['live']?.objects === 1, 10_000);
    const s = await stats();
    expect(s.instances['live']?.text['upstream']).toMatch(/^ok \(answered \d+ s ago\)$/);
    expect(s.instances['dead']?.text['upstream']).toMatch(/^failing \(last failure \d+ s ago\)$/);
    expect(s.instances['live']?.servedBytes).toBe(5);
    expect(s.store).toMatchObject({ objects: 1, bytes: 5, maxBytes: 10 * 1024 * 1024 });
    expect(s.store.text).toBe('5 B used of 10.0 MiB (0.0%), 1 objects');
    const m = (await get(`${trove.url}/metrics`)).body.toString();
    expect(m).toMatch(/trove_upstream_last_failure_timestamp_seconds\{instance="dead"\} \d/);
    expect(m).toMatch(/trove_upstream_last_answer_timestamp_seconds\{instance="live"\} \d/);
  });
});
