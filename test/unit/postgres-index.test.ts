// The PostgreSQL Index against a real PostgreSQL 15 (a throwaway cluster per file): the
// conformance suite, then what replicas sharing one database rely on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { CachedIndex } from '../../src/index/cached-index.js';
import { PgChangeFeed } from '../../src/index/postgres/change-feed.js';
import { PostgresIndex } from '../../src/index/postgres/postgres-index.js';
import { MIGRATIONS } from '../../src/index/postgres/schema.js';
import { PgLeaseStore } from '../../src/replicas/lease-store.js';
import { exclusive, whileElected } from '../../src/replicas/election.js';
import { pino } from 'pino';
import { entry, indexSuite } from '../../src/index/testsuites/index-suite.js';
import { until } from '../helpers/fake-upstream.js';
import { requirePostgres, startPostgres, type PgCluster } from '../helpers/postgres.js';

const enabled = requirePostgres();
let cluster: PgCluster;
const opened: PostgresIndex[] = [];

async function fresh(url?: string): Promise<PostgresIndex> {
  const idx = new PostgresIndex({ url: url ?? (await cluster.database()), poolSize: 4 });
  opened.push(idx);
  return idx;
}

describe.skipIf(!enabled)('PostgresIndex', () => {
  beforeAll(async () => {
    cluster = await startPostgres();
  });
  afterAll(async () => {
    await Promise.all(opened.map((i) => i.close()));
    await cluster?.stop();
  });

  indexSuite('postgres', () => fresh());
  indexSuite('cached(postgres)', async () => new CachedIndex(await fresh(), { maxEntries: 2 }));

  it('migrates once when several replicas start together, and keeps data across restarts', async () => {
    const url = await cluster.database();
    const replicas = await Promise.all([1, 2, 3, 4].map(() => fresh(url)));
    await Promise.all(replicas.map((r) => r.migrate()));
    await replicas[0]?.put(entry('k', { size: 42 }));
    const again = await fresh(url);
    expect(await again.get('k')).toMatchObject({ size: 42 });
    expect(await again.totalBytes()).toBe(42);
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const { rows } = await c.query('SELECT version FROM trove_schema');
    expect(rows).toEqual([{ version: MIGRATIONS.length }]);
    await c.query('UPDATE trove_schema SET version = 99');
    await c.end();
    await expect(fresh(url).then((i) => i.get('k'))).rejects.toThrow(
      /schema is version 99, newer than this Trove knows/,
    );
  });

  it('counts a digest once when replicas add its first entries at the same moment', async () => {
    const url = await cluster.database();
    const replicas = await Promise.all([1, 2, 3].map(() => fresh(url)));
    const digest = 'e'.repeat(64);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        (replicas[i % 3] as PostgresIndex).put(entry(`k${i}`, { digest, size: 1000 })),
      ),
    );
    expect(await replicas[0]?.totalBytes()).toBe(1000);
    // Every replica deletes its share at once: the last reference frees the bytes exactly once.
    const freed = await Promise.all(
      replicas.map((r, n) =>
        r.delete(Array.from({ length: 20 }, (_, i) => `k${i * 3 + n}`).reverse()),
      ),
    );
    expect(freed.flat()).toEqual([digest]);
    expect(await replicas[1]?.totalBytes()).toBe(0);
    expect(await replicas[2]?.references(digest)).toBe(false);
  });

  it('lets exactly one of many racing replicas create an entry or a record', async () => {
    const url = await cluster.database();
    const replicas = await Promise.all([1, 2, 3, 4].map(() => fresh(url)));
    const d = (c: string): string => c.repeat(64);
    const entries = await Promise.all(
      replicas.map((r, i) => r.createIfAbsent(entry('race', { digest: d(String(i + 1)) }))),
    );
    expect(new Set(entries.map((e) => e.digest)).size).toBe(1);
    const records = await Promise.all(
      replicas.map((r, i) => r.createRecord('pins:go', 'm@v1', `https://up${i}`, i)),
    );
    expect(new Set(records.map((r) => r.value)).size).toBe(1);
    expect((await replicas[0]?.getRecord('pins:go', 'm@v1'))?.value).toBe(records[0]?.value);
  });

  it('shares the deletion queue: each blob is taken by one replica, never under a commit', async () => {
    const url = await cluster.database();
    const replicas = await Promise.all([1, 2, 3].map(() => fresh(url)));
    const [a, b, c] = replicas as [PostgresIndex, PostgresIndex, PostgresIndex];
    const hex = (i: number): string => i.toString(16).padStart(64, '0');
    const n = 60;
    for (let i = 0; i < n; i++) await a.put(entry(`old${i}`, { digest: hex(i), size: 1 }));
    // Replica b evicts every old entry and reaps; replica c commits a new entry for each digest
    // at the same time, claiming it first (and waiting while a deletion of it runs).
    let seq = 0;
    const takenAt = new Map<string, number[]>();
    const claimedAt = new Map<string, number>();
    // The committer starts once the first round is reaped, so some blobs are always taken
    // before their claim; every later round races the committer.
    let firstRound = (): void => {};
    const firstRoundDone = new Promise<void>((r) => (firstRound = r));
    const reaper = async (): Promise<void> => {
      for (let i = 0; i < n; i += 5) {
        if (i === 5) firstRound();
        await b.delete(Array.from({ length: 5 }, (_, j) => `old${i + j}`));
        const due = await b.takeDoomed(0, 100);
        for (const blob of due)
          takenAt.set(blob.digest, [...(takenAt.get(blob.digest) ?? []), ++seq]);
        await b.forgetDoomed(due.map((x) => x.digest));
      }
      firstRound();
    };
    const committer = async (): Promise<void> => {
      await firstRoundDone;
      for (let i = 0; i < n; i++) {
        for (let tries = 0; !(await c.claimBlob(hex(i), 1)); tries++) {
          if (tries > 200) throw new Error('claim never granted');
          await new Promise((r) => setTimeout(r, 5));
        }
        claimedAt.set(hex(i), ++seq);
        await c.put(entry(`new${i}`, { digest: hex(i), size: 1 }));
        await c.releaseBlob(hex(i));
      }
    };
    await Promise.all([reaper(), committer()]);
    expect(takenAt.size).toBeGreaterThan(0);
    for (const [digest, times] of takenAt) {
      for (const t of times) expect(t).toBeLessThan(claimedAt.get(digest) as number);
    }
    for (let i = 0; i < n; i++) expect(await a.references(hex(i))).toBe(true);
    expect(await a.takeDoomed(0, 100)).toEqual([]);

    // Stray blobs, reaped by three replicas at once: each is taken exactly once.
    for (let i = 0; i < 300; i++) await a.condemnBlob(hex(1000 + i), 1);
    const taken = await Promise.all(
      replicas.map(async (r) => {
        const mine: string[] = [];
        for (let round = 0; round < 100; round++) {
          const due = await r.takeDoomed(0, 7);
          if (!due.length) break;
          mine.push(...due.map((x) => x.digest));
          await r.forgetDoomed(due.map((x) => x.digest));
        }
        return mine;
      }),
    );
    const all = taken.flat();
    expect(all.length).toBe(300);
    expect(new Set(all).size).toBe(300);
  });

  it('records accesses from replicas in one batch each without deadlocks', async () => {
    const url = await cluster.database();
    const replicas = await Promise.all([1, 2].map(() => fresh(url)));
    const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
    for (const k of keys) await replicas[0]?.put(entry(k, { lastAccess: 0 }));
    // Opposite orders in each batch, repeated keys within one batch.
    const batch = (order: string[], at: number) =>
      [...order, ...order].map((key) => ({ key, at, hits: 1 }));
    await Promise.all(
      Array.from({ length: 10 }, (_, round) =>
        Promise.all([
          replicas[0]?.touch(batch(keys, 100 + round)),
          replicas[1]?.touch(batch([...keys].reverse(), 200 + round)),
        ]),
      ),
    );
    const one = await replicas[0]?.get('k7');
    expect(one).toMatchObject({ hits: 40, lastAccess: 209 });
  });

  it('pages through many digests', async () => {
    const idx = await fresh();
    const hex = (i: number): string => i.toString(16).padStart(64, '0');
    for (let i = 0; i < 1200; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, j) =>
          idx.put(entry(`k${i + j}`, { digest: hex(i + j), size: 1 })),
        ),
      );
    }
    const seen: string[] = [];
    for await (const digest of idx.digests()) seen.push(digest);
    expect(seen).toHaveLength(1200);
    expect(new Set(seen).size).toBe(1200);
    expect(await idx.totalBytes()).toBe(1200);
  });
});

describe.skipIf(!enabled)('index changes between replicas (LISTEN/NOTIFY)', () => {
  let pgc: PgCluster;
  const closing: Array<{ close(): Promise<void> }> = [];
  beforeAll(async () => {
    pgc = await startPostgres();
  });
  afterAll(async () => {
    for (const c of closing.reverse()) await c.close();
    await pgc?.stop();
  });

  async function replica(url: string) {
    const driver = new PostgresIndex({ url, poolSize: 2 });
    let gaps = 0;
    const feed = new PgChangeFeed({
      url,
      send: (text, values) => driver.sql(text, values),
      onChange: (change) => cached.forget(change),
      onGap: () => {
        gaps++;
        cached.forgetAll();
      },
    });
    const cached: CachedIndex = new CachedIndex(driver, { onChange: (c) => feed.publish(c) });
    await feed.start();
    closing.push(driver, feed);
    return { cached, gaps: () => gaps };
  }

  it('makes a replica forget what another replica changed, and everything after a gap', async () => {
    const url = await pgc.database();
    const [a, b] = [await replica(url), await replica(url)];
    const d = (c: string): string => c.repeat(64);
    await a.cached.put(entry('k', { digest: d('1') }));
    expect((await b.cached.get('k'))?.digest).toBe(d('1'));
    await a.cached.put(entry('k', { digest: d('2') }));
    await until(async () => (await b.cached.get('k'))?.digest === d('2'));
    await a.cached.delete(['k']);
    await until(async () => (await b.cached.get('k')) === undefined);
    // Many keys at once: split over several notifications, all heard.
    const keys = Array.from({ length: 400 }, (_, i) => `pkg/${'x'.repeat(40)}/${i}`);
    for (const k of keys) await a.cached.put(entry(k));
    for (const k of keys) expect(await b.cached.get(k)).toBeDefined();
    await a.cached.delete(keys);
    await until(async () => {
      for (const k of keys) if (await b.cached.get(k)) return false;
      return true;
    });
    // PostgreSQL restarts: b's listener reconnects and forgets all it cached meanwhile.
    await a.cached.put(entry('z', { digest: d('3') }));
    expect((await b.cached.get('z'))?.digest).toBe(d('3'));
    const before = b.gaps();
    await pgc.pause();
    await pgc.resume();
    await until(() => b.gaps() > before, 10_000);
    await a.cached.put(entry('z', { digest: d('4') }));
    await until(async () => (await b.cached.get('z'))?.digest === d('4'));
  });
});

describe.skipIf(!enabled)('fill leases in PostgreSQL', () => {
  let pgc: PgCluster;
  const indexes: PostgresIndex[] = [];
  beforeAll(async () => {
    pgc = await startPostgres();
  });
  afterAll(async () => {
    for (const i of indexes) await i.close();
    await pgc?.stop();
  });

  async function stores(ttlMs: number) {
    const url = await pgc.database();
    const make = (owner: string) => {
      const idx = new PostgresIndex({ url, poolSize: 2 });
      indexes.push(idx);
      return new PgLeaseStore((text, values) => idx.sql(text, values), {
        owner,
        addr: () => `http://${owner}:1`,
        ttlMs,
      });
    };
    return [make('a'), make('b')] as const;
  }

  it('gives a key to one replica, tells the others where it is filled, and fences by generation', async () => {
    const [a, b] = await stores(60_000);
    const won = await Promise.all([a.acquire('k'), b.acquire('k')]);
    const mine = won.filter((w) => w.kind === 'mine');
    expect(mine).toHaveLength(1);
    const winner = won[0]?.kind === 'mine' ? a : b;
    const loser = winner === a ? b : a;
    const held = won.find((w) => w.kind === 'held');
    expect(held).toMatchObject({ owner: winner === a ? 'a' : 'b' });
    expect(held?.kind === 'held' && held.addr).toBe(`http://${winner === a ? 'a' : 'b'}:1`);
    const gen = (mine[0] as { generation: number }).generation;
    expect(await winner.renew('k', gen)).toBe(true);
    expect(await loser.renew('k', gen)).toBe(false);
    expect(await winner.renew('k', gen + 1)).toBe(false);
    await loser.release('k', gen);
    expect(await loser.holder('k')).not.toBeNull();
    await winner.release('k', gen);
    expect(await loser.holder('k')).toBeNull();
    expect((await loser.acquire('k')).kind).toBe('mine');
  });

  it('lets another replica take over an expired lease, and the old holder learns it lost', async () => {
    const [a, b] = await stores(300);
    const first = await a.acquire('k');
    expect(first).toMatchObject({ kind: 'mine', generation: 1 });
    expect((await b.acquire('k')).kind).toBe('held');
    await until(async () => (await b.holder('k')) === null, 5000);
    expect(await b.acquire('k')).toMatchObject({ kind: 'mine', generation: 2 });
    expect(await a.renew('k', 1)).toBe(false);
    // A stale row of its own (a release that failed) is taken over at once.
    expect(await b.acquire('k')).toMatchObject({ kind: 'mine', generation: 3 });
  });

  it('elects one replica to run the housekeeping, and another once it stops', async () => {
    const [a, b] = await stores(600);
    const log = pino({ level: 'silent' });
    const runs: string[] = [];
    const job = (name: string) => () => {
      runs.push(`start ${name}`);
      return { stop: async () => void runs.push(`stop ${name}`) };
    };
    const ea = whileElected(a, '!housekeeping', 600, job('a'), log);
    await until(() => runs.length === 1, 5000);
    const eb = whileElected(b, '!housekeeping', 600, job('b'), log);
    await new Promise((r) => setTimeout(r, 1000));
    expect(runs).toEqual(['start a']);
    await ea.stop();
    await until(() => runs.length === 3, 5000);
    expect(runs).toEqual(['start a', 'stop a', 'start b']);
    await eb.stop();
    expect(runs).toEqual(['start a', 'stop a', 'start b', 'stop b']);
  });

  it('runs a job once among replicas; the others wait for it to end', async () => {
    const [a, b] = await stores(3000);
    const ran: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = exclusive(a, '!job:refresh', 3000, async () => {
      ran.push('a');
      await held;
    });
    await until(() => ran.length === 1);
    let waited = false;
    const second = exclusive(b, '!job:refresh', 3000, async () => void ran.push('b')).then(
      (r) => ((waited = true), r),
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(waited).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(await second).toBe(false);
    expect(ran).toEqual(['a']);
    // Free again: the next caller runs it.
    expect(await exclusive(b, '!job:refresh', 3000, async () => void ran.push('b'))).toBe(true);
    expect(ran).toEqual(['a', 'b']);
  });
});
