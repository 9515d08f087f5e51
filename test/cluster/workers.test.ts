// Several worker processes on one cache (server.workers): one upstream fill per key across all
// of them, live streaming to every worker's clients, and workers killed mid-fill.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, type Got } from '../helpers/client.js';
import { listening, startCluster, type TestCluster } from '../helpers/cluster.js';
import { FakeUpstream, gate, sleep, until } from '../helpers/fake-upstream.js';
import { metric } from '../helpers/metrics.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const CHUNK = 64 * 1024;
const ROUNDS = 5;

let up: FakeUpstream;
let dir: string;
let trove: TestCluster | undefined;
const objects = new Map<string, Buffer>();

beforeAll(async () => {
  const u = new FakeUpstream();
  const ROUNDS_AND_ONE = [''].concat(Array.from({ length: ROUNDS }, (_, r) => `/r${r}`));
  for (let i = 0; i < 10; i++) {
    const body = randomBytes(CHUNK * (8 + 4 * i)); // 512 KiB .. 2.8 MiB
    objects.set(`/o${i}.bin`, body);
    for (const dirName of ROUNDS_AND_ONE) route(u, `${dirName}/o${i}.bin`, body);
  }
  up = await u.start();
  dir = mkdtempSync(join(tmpdir(), 'trove-workers-'));
});

/** Trickles the body out, so clients arrive while the fill runs. */
function route(u: FakeUpstream, path: string, body: Buffer): void {
  u.route(path, async (_req, res) => {
    res.writeHead(200, { 'content-length': body.length });
    for (let off = 0; off < body.length && !res.destroyed; off += CHUNK) {
      if (!res.write(body.subarray(off, off + CHUNK)))
        await new Promise((r) => res.once('drain', r));
      await sleep(15);
    }
    res.end();
  });
}

afterEach(async () => {
  await trove?.stop();
  trove = undefined;
});

afterAll(async () => {
  await up.stop();
  rmSync(dir, { recursive: true, force: true });
});

const config = (cache: string): string =>
  `log:\n  level: info\nstorage:\n  dir: ${join(dir, cache)}\ninstances:\n  files:\n    type: file\n    upstreams: [${up.url}]\n    default_policy: immutable\n`;

/** Which worker pids answered requests for `url` (from the access log). */
function servedBy(log: string, url: string): Set<number> {
  const pids = new Set<number>();
  for (const line of log.split('\n')) {
    if (!line.includes(`"url":"${url}"`)) continue;
    pids.add((JSON.parse(line) as { pid: number }).pid);
  }
  return pids;
}

describe('workers', () => {
  it('50 clients over 2 workers on one cold object: 1 upstream request, all stream live', async () => {
    trove = await startCluster(dir, config('one'), 2);
    const path = '/held.bin';
    const want = objects.get('/o9.bin') as Buffer;
    // The upstream sends half the body, then waits until every client has bytes.
    const half = gate();
    up.route(path, async (_req, res) => {
      res.writeHead(200, { 'content-length': want.length });
      res.write(want.subarray(0, want.length / 2));
      await half.wait;
      res.end(want.subarray(want.length / 2));
    });
    let streaming = 0;
    const gets = Array.from({ length: 50 }, () =>
      get(`${trove?.url}/files${path}`, { onFirstByte: () => streaming++ }),
    );
    await until(() => streaming === 50, 15_000).finally(half.open);
    const got = await Promise.all(gets);
    expect(up.count(path)).toBe(1);
    for (const r of got) {
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      expect(sha(r.body)).toBe(sha(want));
    }
    await until(() => servedBy(trove?.output() ?? '', `/files${path}`).size === 2, 5000);
    const hit = await get(`${trove.url}/files${path}`);
    expect([hit.headers['x-cache'], sha(hit.body)]).toEqual(['HIT', sha(want)]);
    expect(up.count(path)).toBe(1);
    // /metrics answers for every worker: all 51 requests are counted, whichever worker is asked.
    const text = (await get(`${trove.url}/metrics`)).body.toString();
    const requests = ['MISS', 'HIT'].map((result) =>
      metric(text, 'trove_requests_total', { instance: 'files', result }),
    );
    expect(requests.reduce((a, b) => a + b, 0)).toBe(51);
  });

  it('commits 300 cold objects from both workers at once into one index, with no error', async () => {
    trove = await startCluster(dir, config('many'), 2);
    const t = trove;
    const names = Array.from({ length: 300 }, (_, i) => `/small/s${i}.txt`);
    for (const n of names) up.file(n, `body of ${n}\n`);
    const got = await Promise.all(names.map((n) => get(`${t.url}/files${n}`)));
    expect(got.filter((r) => r.status !== 200)).toEqual([]);
    expect(got.map((r) => r.body.toString())).toEqual(names.map((n) => `body of ${n}\n`));
    // Every commit reached the one index: hits now, whichever worker answers.
    await until(async () => {
      const again = await Promise.all(names.map((n) => get(`${t.url}/files${n}`)));
      return again.every((r) => r.headers['x-cache'] === 'HIT');
    }, 10_000);
    const text = (await get(`${t.url}/metrics`)).body.toString();
    expect(metric(text, 'trove_index_errors_total')).toBe(0);
    // Both workers took part.
    const pids = new Set(names.flatMap((n) => [...servedBy(t.output(), `/files${n}`)]));
    expect(pids.size).toBe(2);
  });

  it('stops its workers when the primary is killed', async () => {
    trove = await startCluster(dir, config('orphans'), 2);
    const workers = trove.workers();
    expect(workers).toHaveLength(2);
    process.kill(trove.pid, 'SIGKILL');
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until(() => workers.every((w) => !alive(w)), 15_000);
  });

  it('keeps serving, byte-exact, while workers are killed mid-fill again and again', async () => {
    trove = await startCluster(dir, config('kill'), 2);
    const t = trove;
    const paths = [...objects.keys()];
    const seen: Got[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Three clients per object, so fills are joined from the other worker too.
      const inflight = [...paths, ...paths, ...paths].map((p) =>
        get(`${t.url}/files/r${round}${p}`)
          .catch(() => null)
          .then((r) => r && seen.push(r)),
      );
      await sleep(40 + Math.floor(Math.random() * 120));
      const victim = t.workers()[round % 2];
      if (victim) process.kill(victim, 'SIGKILL');
      await Promise.all(inflight);
      // The primary starts another worker; the survivor serves meanwhile.
      await until(
        () => t.workers().length === 2 && listening(t.output()).size >= 3 + round,
        15_000,
      );
    }
    // Kills landed mid-fill: some bodies were cut.
    expect(seen.filter((r) => !r.complete).length).toBeGreaterThan(0);
    // A body that completed is exact; a cut one is detectable (short, or reset).
    for (const r of seen) {
      if (r.status === 200 && r.complete) {
        const want = [...objects.values()].find((b) => b.length === r.body.length);
        expect(want && sha(r.body) === sha(want)).toBe(true);
      } else expect(r.complete && r.status === 200).toBe(false);
    }
    // Everything is served whole afterwards, from the cache or fetched again.
    for (const [p, body] of objects) {
      const r = await get(`${t.url}/files${p}`);
      expect([r.status, r.complete, sha(r.body)]).toEqual([200, true, sha(body)]);
    }
    expect(await t.stop()).toBe(0);
    expect(readdirSync(join(dir, 'kill', 'tmp'))).toEqual([]);
  });
});
