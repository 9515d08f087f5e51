// The server: routing by host then prefix, dedicated listeners, public URLs, system endpoints,
// graceful shutdown.
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import {
  FakeUpstream,
  freePort,
  gate,
  managedUpstreams,
  stopAfterEach,
  until,
} from '../helpers/fake-upstream.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

function named(name: string): Promise<FakeUpstream> {
  return upstream((u) => u.route('/who', (_q, s) => void s.writeHead(200).end(name)));
}

describe('routing', () => {
  it('routes by host first, then by the longest path prefix', async () => {
    const [a, b, c] = [await named('a'), await named('b'), await named('c')];
    trove = await startTrove({
      instances: {
        a: { type: 'file', upstreams: [a.url], path: '/mirror' },
        b: { type: 'file', upstreams: [b.url], path: '/mirror/special' },
        c: { type: 'file', upstreams: [c.url], path: '/', hosts: ['files.example.test'] },
      },
    });
    expect((await get(`${trove.url}/mirror/who`)).body.toString()).toBe('a');
    expect((await get(`${trove.url}/mirror/special/who`)).body.toString()).toBe('b');
    expect(
      (
        await get(`${trove.url}/who`, { headers: { host: 'files.example.test:80' } })
      ).body.toString(),
    ).toBe('c');
    const none = await get(`${trove.url}/elsewhere/who`);
    expect(none.status).toBe(404);
    expect(none.headers['x-trove-error']).toBe('TROVE_ERR_NO_ROUTE');
    expect(none.body.toString()).toContain('/mirror/special (b, file)');
  });

  it('serves an instance on its own dedicated listener at the root', async () => {
    const a = await named('a');
    const port = await freePort();
    trove = await startTrove({
      instances: { a: { type: 'file', upstreams: [a.url], bind: `127.0.0.1:${port}` } },
    });
    expect((await get(`http://127.0.0.1:${port}/who`)).body.toString()).toBe('a');
    expect((await get(`${trove.url}/a/who`)).body.toString()).toBe('a');
    expect((await get(`http://127.0.0.1:${port}/health`)).status).toBe(404);
  });
});

describe('system endpoints', () => {
  it('has /health, /ready, a home page listing instances, and /metrics', async () => {
    const a = await named('a');
    trove = await startTrove({ instances: { mirror: { type: 'file', upstreams: [a.url] } } });
    expect((await get(`${trove.url}/health`)).status).toBe(200);
    expect(JSON.parse((await get(`${trove.url}/ready`)).body.toString())).toEqual({
      status: 'ready',
      checks: {
        index_read: 'ok',
        index_write: 'ok',
        blob_write: 'ok',
        index_recent_reads: 'ok',
        index_recent_writes: 'ok',
      },
    });
    const home = await get(`${trove.url}/`);
    expect(home.headers['content-type']).toMatch(/text\/html/);
    expect(home.body.toString()).toContain(`${trove.url}/mirror`);
    await get(`${trove.url}/mirror/who`);
    await get(`${trove.url}/mirror/who`);
    const m = (await get(`${trove.url}/metrics`)).body.toString();
    expect(m).toMatch(
      /trove_requests_total\{instance="mirror",ecosystem="file",class="artifact",result="HIT"\} 1/,
    );
    expect(m).toMatch(
      /trove_requests_total\{instance="mirror",ecosystem="file",class="artifact",result="MISS"\} 1/,
    );
    expect(m).toContain('trove_fills_in_flight');
    expect(m).toMatch(/^trove_store_objects 1$/m);
    expect(m).toMatch(/^trove_store_bytes 1$/m);
  });

  it('protects /metrics with a bearer token when configured', async () => {
    trove = await startTrove({ metrics: { token: 'm3trics' } });
    const denied = await get(`${trove.url}/metrics`);
    expect(denied.status).toBe(401);
    expect(denied.headers['x-trove-error']).toBe('TROVE_ERR_UNAUTHORIZED');
    expect(
      (await get(`${trove.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    expect(
      (await get(`${trove.url}/metrics`, { headers: { authorization: 'Bearer m3trics' } })).status,
    ).toBe(200);
  });

  it('/ready fails when storage is unusable', async () => {
    trove = await startTrove({});
    const { rm } = await import('node:fs/promises');
    await rm(`${trove.dir}/tmp`, { recursive: true, force: true });
    expect((await get(`${trove.url}/ready`)).status).toBe(503);
  });
});

describe('public base URL', () => {
  it('uses X-Forwarded-* only from trusted proxies', async () => {
    trove = await startTrove({
      server: { trusted_proxies: ['127.0.0.0/8'] },
      instances: { m: { type: 'file', upstreams: ['http://127.0.0.1:1'] } },
    });
    const home = await get(`${trove.url}/`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'cache.example.test' },
    });
    expect(home.body.toString()).toContain('https://cache.example.test/m');
    await trove.stop();
    trove = await startTrove({
      server: { trusted_proxies: ['10.0.0.0/8'] },
      instances: { m: { type: 'file', upstreams: ['http://127.0.0.1:1'] } },
    });
    const untrusted = await get(`${trove.url}/`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example.test' },
    });
    expect(untrusted.body.toString()).not.toContain('evil.example.test');
  });

  it('prefers public_url', async () => {
    trove = await startTrove({
      server: { public_url: 'https://trove.example.test/' },
      instances: { m: { type: 'file', upstreams: ['http://127.0.0.1:1'] } },
    });
    expect((await get(`${trove.url}/`)).body.toString()).toContain('https://trove.example.test/m');
  });
});

describe('graceful shutdown', () => {
  it('lets in-flight downloads finish, then refuses new work', async () => {
    const release = gate();
    const u = await upstream((f) =>
      f.route('/slow', async (_q, s) => {
        s.writeHead(200, { 'content-length': 10 });
        s.write('01234');
        await release.wait;
        s.end('56789');
      }),
    );
    trove = await startTrove({ instances: { m: { type: 'file', upstreams: [u.url] } } });
    const inflight = get(`${trove.url}/m/slow`);
    await until(() => u.count('/slow') === 1);
    const closing = trove.app.close();
    setTimeout(() => release.open(), 100);
    const r = await inflight;
    expect(r.complete).toBe(true);
    expect(r.body.toString()).toBe('0123456789');
    expect(await closing).toBe(true);
    trove = undefined;
  });
});
