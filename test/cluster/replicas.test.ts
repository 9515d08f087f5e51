// Replicas: several Trove processes, each with its own cache directory (only spools), sharing
// one PostgreSQL index and one S3 bucket (Ceph RGW). What one replica fetched is a hit on the
// others; a Go version's first copy is the one every replica serves; while PostgreSQL is down
// requests pass through uncached and /ready says so.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get, type Got } from '../helpers/client.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { FakeUpstream, freePort, gate, managedUpstreams, until } from '../helpers/fake-upstream.js';
import { requirePostgres } from '../helpers/postgres.js';
import { ReplicaSet } from '../helpers/replica-set.js';
import { requireRgw } from '../helpers/rgw.js';
import type { TestTrove } from '../helpers/trove.js';
import type { Listener } from '../../src/server/listeners.js';

const enabled = requirePostgres() && requireRgw();
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

const set = new ReplicaSet();
const upstream = managedUpstreams();
const sharedStorage = (): Promise<Record<string, unknown>> => set.storage();
const replica = (config: Record<string, unknown>, storage: object): Promise<TestTrove> =>
  set.replica(config, storage);

const yamlOf = (storage: Record<string, unknown>, dir: string): string =>
  `storage:\n  dir: ${dir}\n  index: ${JSON.stringify(storage['index'])}\n  blobs: ${JSON.stringify(storage['blobs'])}\n`;

describe.skipIf(!enabled)('replicas on PostgreSQL and S3', () => {
  beforeAll(() => set.start(), 120_000);
  afterEach(() => set.stopRunning());
  afterAll(() => set.stop());

  it('serves what one replica fetched as a hit on the others, from the bucket', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 5);
    const up = await upstream((u) => u.file('/big.bin', body));
    const storage = await sharedStorage();
    const files = `instances:\n  files:\n    type: file\n    upstreams: [${up.url}]\n    default_policy: immutable\n`;
    // Real processes: one replica with two workers, one with one.
    const dirs = [mkdtempSync(join(set.root, 'a-')), mkdtempSync(join(set.root, 'b-'))];
    const a: TestCluster = await startCluster(
      dirs[0] as string,
      yamlOf(storage, dirs[0] as string) + files,
      2,
    );
    set.running.push(a);
    const b: TestCluster = await startCluster(
      dirs[1] as string,
      yamlOf(storage, dirs[1] as string) + files,
      1,
    );
    set.running.push(b);
    const first = await get(`${a.url}/files/big.bin`);
    expect(first.status).toBe(200);
    expect(first.headers['x-cache']).toBe('MISS');
    const others = await Promise.all(
      Array.from({ length: 20 }, () => get(`${b.url}/files/big.bin`)),
    );
    for (const r of others) {
      expect(r.status).toBe(200);
      expect(r.headers['x-cache']).toBe('HIT');
      expect(sha(r.body)).toBe(sha(body));
    }
    expect(up.count('/big.bin')).toBe(1);
    // The bytes live in the bucket: neither replica keeps a blob in its own directory.
    for (const d of dirs) expect(readdirSync(join(d, 'blobs', 'sha256'))).toEqual([]);
    for (const d of dirs) expect(readdirSync(join(d, 'tmp'))).toEqual([]);
    const ready = await get(`${b.url}/ready`);
    expect(ready.status).toBe(200);
  });

  it('keeps a Go version’s first copy on every replica, whichever upstream each asks first', async () => {
    const copy = (name: string) => (u: FakeUpstream) => {
      u.file('/example.com/mod/@v/v1.0.0.info', JSON.stringify({ Version: 'v1.0.0' }));
      u.file('/example.com/mod/@v/v1.0.0.mod', `module example.com/mod // ${name}\n`);
      return u;
    };
    const first = await upstream(copy('from a'));
    const second = await upstream(copy('from b'));
    const pinned = gate();
    const mod = '/example.com/mod/@v/v1.0.0.mod';
    second.route(mod, async (_req, res) => {
      await pinned.wait;
      res.writeHead(200).end('module example.com/mod // from b\n');
    });
    const storage = await sharedStorage();
    const go = (upstreams: string) => ({
      instances: { go: { type: 'go', verify: false, upstreams } },
    });
    const a = await replica(go(`${first.url},${second.url}`), storage);
    const b = await replica(go(`${second.url},${first.url}`), storage);
    const fromB = get(`${b.url}${mod}`);
    await until(() => second.count(mod) === 1);
    expect((await get(`${a.url}/example.com/mod/@v/v1.0.0.info`)).status).toBe(200);
    pinned.open();
    // Replica b drops its own answer (from the second upstream) for the pinned copy.
    expect((await fromB).body.toString()).toBe('module example.com/mod // from a\n');
    const c = await replica(go(`${second.url}`), storage);
    expect((await get(`${c.url}${mod}`)).body.toString()).toBe(
      'module example.com/mod // from a\n',
    );
  });

  it('passes requests through uncached while PostgreSQL is down, and caches again once it is back', async () => {
    const up = await upstream((u) => u.file('/x.txt', 'cached bytes').file('/y.txt', 'new bytes'));
    const storage = await sharedStorage();
    const a = await replica(
      { instances: { files: { type: 'file', upstreams: [up.url], default_policy: 'immutable' } } },
      storage,
    );
    expect((await get(`${a.url}/files/x.txt`)).status).toBe(200);
    await set.pg.pause();
    try {
      // The index cannot say whether it is cached: the upstream's answer, not stored.
      const r = await get(`${a.url}/files/y.txt`);
      expect(r.status).toBe(200);
      expect(r.headers['x-cache']).toBe('BYPASS');
      expect(r.body.toString()).toBe('new bytes');
      expect((await get(`${a.url}/files/absent.txt`)).status).toBe(404);
      expect((await get(`${a.url}/ready`)).status).toBe(503);
    } finally {
      await set.pg.resume();
    }
    await until(async () => (await get(`${a.url}/ready`)).status === 200, 20_000);
    const again = await get(`${a.url}/files/x.txt`);
    expect(again.status).toBe(200);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body.toString()).toBe('cached bytes');
    expect((await get(`${a.url}/files/y.txt`)).headers['x-cache']).toBe('MISS');
    expect((await get(`${a.url}/files/y.txt`)).headers['x-cache']).toBe('HIT');
  });

  it('fills a key once across replicas; the others stream the live fill from its owner', async () => {
    const body = randomBytes(2 * 1024 * 1024 + 3);
    const half = gate();
    const up = await upstream((u) =>
      u.route('/live.bin', async (_req, res) => {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, body.length / 2));
        await half.wait;
        res.end(body.subarray(body.length / 2));
      }),
    );
    const storage = await sharedStorage();
    const files = {
      instances: { files: { type: 'file', upstreams: [up.url], default_policy: 'immutable' } },
      replicas: { listen: '127.0.0.1:0', token: 'shared-secret' },
    };
    const [a, b, c] = [
      await replica(files, storage),
      await replica(files, storage),
      await replica(files, storage),
    ];
    const streaming: Array<Promise<Got>> = [];
    const started: Array<Promise<void>> = [];
    const client = (url: string): void => {
      let first!: () => void;
      started.push(new Promise((r) => (first = r)));
      streaming.push(get(`${url}/files/live.bin`, { onFirstByte: first }));
    };
    client(a.url);
    await Promise.all(started);
    for (let i = 0; i < 10; i++) client(b.url);
    for (let i = 0; i < 10; i++) client(c.url);
    // Every client on every replica has bytes while the upstream still holds the second half.
    await Promise.all(started);
    expect(up.count('/live.bin')).toBe(1);
    half.open();
    const got = await Promise.all(streaming);
    for (const r of got) {
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      expect(sha(r.body)).toBe(sha(body));
    }
    expect(up.count('/live.bin')).toBe(1);
    for (const t of [b, c]) {
      await until(async () => (await get(`${t.url}/files/live.bin`)).headers['x-cache'] === 'HIT');
    }
    expect(up.count('/live.bin')).toBe(1);
  });

  it('cuts the joined clients detectably when the owner dies, then fills again on another replica', async () => {
    const body = randomBytes(1024 * 1024);
    const never = gate();
    let asked = 0;
    const up = await upstream((u) =>
      u.route('/dies.bin', async (_req, res) => {
        res.writeHead(200, { 'content-length': body.length });
        // The first fill stalls half way (its replica is killed); a later one is whole.
        if (++asked === 1) {
          res.write(body.subarray(0, body.length / 2));
          await never.wait;
        }
        res.end(asked === 1 ? undefined : body);
      }),
    );
    const storage = await sharedStorage();
    const files = `instances:\n  files:\n    type: file\n    upstreams: [${up.url}]\n    default_policy: immutable\n`;
    const internal = await freePort();
    const dirA = mkdtempSync(join(set.root, 'a-'));
    const a = await startCluster(
      dirA,
      yamlOf(storage, dirA) +
        `replicas:\n  listen: 127.0.0.1:${internal}\n  token: shared-secret\n  lease_ttl: 3s\n` +
        files,
      1,
    );
    set.running.push(a);
    const b = await replica(
      {
        instances: { files: { type: 'file', upstreams: [up.url], default_policy: 'immutable' } },
        replicas: { listen: '127.0.0.1:0', token: 'shared-secret', lease_ttl: '3s' },
      },
      storage,
    );
    let firstA!: () => void;
    const onA = new Promise<void>((r) => (firstA = r));
    const fromA = get(`${a.url}/files/dies.bin`, { onFirstByte: firstA });
    await onA;
    let firstB!: () => void;
    const onB = new Promise<void>((r) => (firstB = r));
    const fromB = get(`${b.url}/files/dies.bin`, { onFirstByte: firstB });
    await onB;
    process.kill(a.pid, 'SIGKILL');
    const [ra, rb] = await Promise.all([fromA, fromB]);
    expect(ra.complete).toBe(false);
    expect(rb.complete).toBe(false);
    expect(rb.body.length).toBeLessThan(body.length);
    // The dead owner's lease expires; b takes the key over and fills it whole.
    const again = await get(`${b.url}/files/dies.bin`);
    expect(again.status).toBe(200);
    expect(sha(again.body)).toBe(sha(body));
    expect(asked).toBe(2);
    never.open();
  });

  it('redirects large hits to a presigned bucket URL when asked, and serves the rest itself', async () => {
    const big = randomBytes(2 * 1024 * 1024);
    const up = await upstream((u) =>
      u
        .file('/big.bin', big, { 'content-type': 'application/x-big', etag: '"big"' })
        .file('/small.txt', 'small\n'),
    );
    const storage = await sharedStorage();
    const blobs = {
      ...(storage['blobs'] as object),
      redirect: { min_size: '1MiB', expires: '1m' },
    };
    const t = await replica(
      { instances: { files: { type: 'file', upstreams: [up.url], default_policy: 'immutable' } } },
      { ...storage, blobs },
    );
    const url = `${t.url}/files/big.bin`;
    expect((await get(url)).headers['x-cache']).toBe('MISS');
    const hit = await get(url);
    expect([hit.status, hit.headers['x-cache'], hit.body.length]).toEqual([307, 'HIT', 0]);
    const location = hit.headers['location'] as string;
    expect(new URL(location).host).toBe(new URL(set.rgw.endpoint).host);
    expect(location).toMatch(/X-Amz-Expires=60/);
    const direct = await fetch(location);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('application/x-big');
    expect(Buffer.from(await direct.arrayBuffer()).equals(big)).toBe(true);
    // HEAD, a conditional GET and a small object are answered by Trove itself.
    const head = await get(url, { method: 'HEAD' });
    expect([head.status, head.headers['content-length']]).toEqual([200, String(big.length)]);
    expect((await get(url, { headers: { 'if-none-match': '"big"' } })).status).toBe(304);
    const small = await get(`${t.url}/files/small.txt`);
    expect([small.status, small.body.toString()]).toEqual([200, 'small\n']);
    expect(up.count('/big.bin')).toBe(1);
  });

  it('serves live fills to replicas only on the internal listener, with the shared token', async () => {
    const up = await upstream((u) => u.file('/x.txt', 'x'));
    const t = await replica(
      {
        instances: { files: { type: 'file', upstreams: [up.url] } },
        replicas: { listen: '127.0.0.1:0', token: 'shared-secret' },
      },
      await sharedStorage(),
    );
    const listeners = t.app.listeners;
    const { port } = (listeners[listeners.length - 1] as Listener).address();
    const internal = `http://127.0.0.1:${port}/_trove/fills/${encodeURIComponent('files/x.txt')}`;
    expect((await get(internal)).status).toBe(401);
    const wrong = await get(internal, { headers: { authorization: 'Bearer shared-secreT' } });
    expect(wrong.status).toBe(401);
    const none = await get(internal, { headers: { authorization: 'Bearer shared-secret' } });
    expect(none.status).toBe(404);
    const pub = await get(`${t.url}/_trove/fills/${encodeURIComponent('files/x.txt')}`, {
      headers: { authorization: 'Bearer shared-secret' },
    });
    expect([400, 404]).toContain(pub.status);
    expect(pub.headers['x-trove-outcome']).toBeUndefined();
  });
});
