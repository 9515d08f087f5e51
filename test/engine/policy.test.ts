// Revalidation, stale-if-error, negative caching, busy policy, offline mode.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream, gate, sleep, stopAfterEach, until } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let up: FakeUpstream | undefined;
let trove: TestTrove | undefined;
stopAfterEach(() => [trove, up]);

/** An upstream whose /doc body, ETag and failure mode the test changes. */
function mutable() {
  const state = { body: 'version 1', etag: '"v1"', fail: 0 as number, conditional: 0 };
  const u = new FakeUpstream().route('/doc', (req, res) => {
    if (state.fail) return void res.writeHead(state.fail).end('upstream trouble');
    if (req.headers['if-none-match'] === state.etag) {
      state.conditional++;
      return void res.writeHead(304, { etag: state.etag }).end();
    }
    res.writeHead(200, {
      etag: state.etag,
      'content-type': 'text/plain',
      'content-length': Buffer.byteLength(state.body),
    });
    res.end(state.body);
  });
  return { u, state };
}

describe('revalidate policy', () => {
  it('serves fresh copies, then revalidates with If-None-Match; a 304 refreshes freshness', async () => {
    const { u, state } = mutable();
    up = await u.start();
    trove = await startTrove(
      fileInstance(up.url, { default_policy: 'revalidate', fresh_for: '300ms' }),
    );
    expect((await get(`${trove.url}/files/doc`)).headers['x-cache']).toBe('MISS');
    expect((await get(`${trove.url}/files/doc`)).headers['x-cache']).toBe('HIT');
    await sleep(350);
    const r = await get(`${trove.url}/files/doc`);
    expect(r.headers['x-cache']).toBe('REVALIDATED');
    expect(r.body.toString()).toBe('version 1');
    expect(state.conditional).toBe(1);
    expect((await get(`${trove.url}/files/doc`)).headers['x-cache']).toBe('HIT');
    state.body = 'version 2';
    state.etag = '"v2"';
    await sleep(350);
    const changed = await get(`${trove.url}/files/doc`);
    expect(changed.headers['x-cache']).toBe('EXPIRED');
    expect(changed.body.toString()).toBe('version 2');
    const after = await get(`${trove.url}/files/doc`);
    expect(after.headers['x-cache']).toBe('HIT');
    expect(after.body.toString()).toBe('version 2');
    expect(up.count('/doc')).toBe(3);
  });

  for (const status of [500, 502, 429]) {
    it(`serves the stale copy when the upstream answers ${status}`, async () => {
      const { u, state } = mutable();
      up = await u.start();
      trove = await startTrove(fileInstance(up.url, { fresh_for: '100ms' }));
      await get(`${trove.url}/files/doc`);
      await sleep(150);
      state.fail = status;
      const r = await get(`${trove.url}/files/doc`);
      expect(r.status).toBe(200);
      expect(r.headers['x-cache']).toBe('STALE');
      expect(r.body.toString()).toBe('version 1');
    });
  }

  it('serves the stale copy when the upstream is down', async () => {
    const { u } = mutable();
    up = await u.start();
    trove = await startTrove(fileInstance(up.url, { fresh_for: '100ms' }));
    await get(`${trove.url}/files/doc`);
    await up.stop();
    up = undefined;
    await sleep(150);
    const r = await get(`${trove.url}/files/doc`);
    expect(r.status).toBe(200);
    expect(r.headers['x-cache']).toBe('STALE');
  });

  /** /doc answers v1 at once, then holds later answers until the gate opens. */
  async function heldRefresh(busy: 'stale' | 'wait') {
    const hold = gate();
    const state = { n: 0 };
    up = await new FakeUpstream()
      .route('/doc', async (_req, res) => {
        state.n++;
        const n = state.n;
        if (n > 1) await hold.wait;
        res.writeHead(200, { 'content-length': 2 }).end(`v${n}`);
      })
      .start();
    const t = await startTrove(fileInstance(up.url, { fresh_for: '100ms', busy_policy: busy }));
    trove = t;
    await get(`${t.url}/files/doc`);
    await sleep(150);
    return { hold, state, doc: () => get(`${t.url}/files/doc`) };
  }

  it('busy policy stale: while a refresh runs, others get the stale copy at once', async () => {
    const { hold, state, doc } = await heldRefresh('stale');
    const refreshing = doc();
    await sleep(50);
    const meanwhile = await doc();
    expect(meanwhile.headers['x-cache']).toBe('STALE');
    expect(meanwhile.body.toString()).toBe('v1');
    hold.open();
    expect((await refreshing).body.toString()).toBe('v2');
    expect(state.n).toBe(2);
  });

  it('busy policy wait: others join the refresh', async () => {
    const { hold, state, doc } = await heldRefresh('wait');
    const a = doc();
    await sleep(50);
    const b = doc();
    await sleep(50);
    hold.open();
    expect((await a).body.toString()).toBe('v2');
    expect((await b).body.toString()).toBe('v2');
    expect(state.n).toBe(2);
  });
});

describe('immutable and bypass policies', () => {
  it('immutable entries never go back upstream', async () => {
    const { u, state } = mutable();
    up = await u.start();
    trove = await startTrove(
      fileInstance(up.url, { default_policy: 'immutable', fresh_for: '10ms' }),
    );
    await get(`${trove.url}/files/doc`);
    state.body = 'changed';
    await sleep(50);
    const r = await get(`${trove.url}/files/doc`);
    expect(r.headers['x-cache']).toBe('HIT');
    expect(r.body.toString()).toBe('version 1');
    expect(up.count('/doc')).toBe(1);
  });

  it('bypass rules fetch every time and store nothing', async () => {
    const { u } = mutable();
    up = await u.start();
    trove = await startTrove(fileInstance(up.url, { rules: [{ match: 'doc', policy: 'bypass' }] }));
    for (let i = 0; i < 3; i++) {
      const r = await get(`${trove.url}/files/doc`);
      expect(r.headers['x-cache']).toBe('BYPASS');
      expect(r.body.toString()).toBe('version 1');
    }
    expect(up.count('/doc')).toBe(3);
  });

  it('rules override the default policy by glob, first match wins', async () => {
    up = await new FakeUpstream().file('/a/x.json', '{}').file('/a/y.bin', 'bin').start();
    trove = await startTrove(
      fileInstance(up.url, {
        default_policy: 'immutable',
        rules: [
          { match: '**/*.json', policy: 'revalidate', fresh_for: '50ms' },
          { match: '**', policy: 'bypass' },
        ],
      }),
    );
    await get(`${trove.url}/files/a/x.json`);
    await sleep(80);
    expect((await get(`${trove.url}/files/a/x.json`)).headers['x-cache']).toBe('EXPIRED');
    expect((await get(`${trove.url}/files/a/y.bin`)).headers['x-cache']).toBe('BYPASS');
  });
});

describe('negative cache', () => {
  it('remembers 404 for negative_ttl, then asks again', async () => {
    up = await new FakeUpstream().start();
    trove = await startTrove(fileInstance(up.url, { negative_ttl: '200ms' }));
    expect((await get(`${trove.url}/files/nope`)).status).toBe(404);
    const again = await get(`${trove.url}/files/nope`);
    expect(again.status).toBe(404);
    expect(again.headers['x-trove-error']).toBe('TROVE_ERR_NOT_FOUND');
    expect(up.count('/nope')).toBe(1);
    // The spool file opened in advance for the 404 is gone again.
    const tmp = `${trove.dir}/tmp`;
    await until(() => readdirSync(tmp).length === 0);
    await sleep(250);
    up.file('/nope', 'now it exists');
    const found = await get(`${trove.url}/files/nope`);
    expect(found.status).toBe(200);
    expect(found.body.toString()).toBe('now it exists');
    expect(up.count('/nope')).toBe(2);
  });

  it('negative_ttl 0 remembers nothing; a rule can shorten it for some paths only', async () => {
    up = await new FakeUpstream().start();
    trove = await startTrove(
      fileInstance(up.url, {
        negative_ttl: '10m',
        rules: [{ match: 'fresh/**', negative_ttl: '0s' }],
      }),
    );
    for (let i = 0; i < 3; i++) {
      expect((await get(`${trove.url}/files/fresh/x`)).status).toBe(404);
      expect((await get(`${trove.url}/files/kept/x`)).status).toBe(404);
    }
    expect([up.count('/fresh/x'), up.count('/kept/x')]).toEqual([3, 1]);
    up.file('/kept/x', 'appeared');
    up.file('/fresh/x', 'appeared');
    expect((await get(`${trove.url}/files/fresh/x`)).body.toString()).toBe('appeared');
    // Still within its 10 minutes: the remembered 404 stands.
    expect((await get(`${trove.url}/files/kept/x`)).status).toBe(404);
  });

  it('an expired 404 is served as remembered while offline', async () => {
    up = await new FakeUpstream().start();
    trove = await startTrove(fileInstance(up.url, { negative_ttl: '50ms' }), { keepDir: true });
    expect((await get(`${trove.url}/files/nope`)).status).toBe(404);
    const dir = trove.dir;
    await trove.stop();
    await sleep(80);
    up.file('/nope', 'exists now');
    trove = await startTrove(
      { ...fileInstance(up.url, { negative_ttl: '50ms' }), offline: true },
      { dir },
    );
    const r = await get(`${trove.url}/files/nope`);
    expect([r.status, r.headers['x-cache']]).toEqual([404, 'NEGATIVE']);
    expect(up.count('/nope')).toBe(1);
  });

  it('keeps 410 as 410', async () => {
    up = await new FakeUpstream().route('/gone', (_q, s) => void s.writeHead(410).end()).start();
    trove = await startTrove(fileInstance(up.url));
    expect((await get(`${trove.url}/files/gone`)).status).toBe(410);
    expect((await get(`${trove.url}/files/gone`)).status).toBe(410);
    expect(up.count('/gone')).toBe(1);
  });
});

describe('offline mode', () => {
  it('serves what is cached, stale or not, and answers 504 on a miss', async () => {
    const { u } = mutable();
    up = await u.start();
    trove = await startTrove(fileInstance(up.url, { fresh_for: '10ms' }), { keepDir: true });
    await get(`${trove.url}/files/doc`);
    const dir = trove.dir;
    await trove.stop();
    trove = await startTrove(
      { ...fileInstance(up.url, { fresh_for: '10ms' }), offline: true },
      { dir },
    );
    await sleep(20);
    const hit = await get(`${trove.url}/files/doc`);
    expect(hit.status).toBe(200);
    expect(hit.body.toString()).toBe('version 1');
    const miss = await get(`${trove.url}/files/other`);
    expect(miss.status).toBe(504);
    expect(miss.headers['x-trove-error']).toBe('TROVE_ERR_OFFLINE_MISS');
    expect(up.count('/doc')).toBe(1);
    expect(up.count('/other')).toBe(0);
  });

  it('can be set per instance', async () => {
    up = await new FakeUpstream().file('/x', 'x').start();
    trove = await startTrove({
      instances: {
        on: { type: 'file', upstreams: [up.url] },
        off: { type: 'file', upstreams: [up.url], offline: true },
      },
    });
    expect((await get(`${trove.url}/on/x`)).status).toBe(200);
    expect((await get(`${trove.url}/off/x`)).status).toBe(504);
  });
});
