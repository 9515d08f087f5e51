// Upstream client behaviour: failover, redirects, credentials that never cross hosts.
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { managedUpstreams, stopAfterEach } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

describe('failover', () => {
  it('moves to the next upstream on connect errors and 5xx, in order', async () => {
    const broken = await upstream();
    broken.route('/x', (_q, s) => void s.writeHead(503).end());
    const good = await upstream();
    good.file('/x', 'from the second');
    trove = await startTrove(fileInstance(['http://127.0.0.1:1', broken.url, good.url]));
    const r = await get(`${trove.url}/files/x`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('from the second');
    expect(broken.count('/x')).toBe(1);
  });

  it('does not fail over on 404', async () => {
    const first = await upstream();
    const second = await upstream();
    second.file('/x', 'x');
    trove = await startTrove(fileInstance([first.url, second.url]));
    expect((await get(`${trove.url}/files/x`)).status).toBe(404);
    expect(second.count('/x')).toBe(0);
  });
});

describe('redirects', () => {
  it('follows redirects server-side and caches the target, without leaking credentials', async () => {
    const cdn = await upstream();
    cdn.file('/blob', 'bytes from the cdn');
    const origin = await upstream();
    origin.route('/x', (_q, s) => void s.writeHead(302, { location: `${cdn.url}/blob` }).end());
    trove = await startTrove(
      fileInstance(origin.url, {
        upstreams: [{ url: origin.url, auth: { bearer: 's3cret-token' } }],
      }),
    );
    const r = await get(`${trove.url}/files/x`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('bytes from the cdn');
    expect(origin.requests[0]?.headers['authorization']).toBe('Bearer s3cret-token');
    expect(cdn.requests[0]?.headers['authorization']).toBeUndefined();
    expect((await get(`${trove.url}/files/x`)).headers['x-cache']).toBe('HIT');
  });

  it('keeps credentials on same-origin redirects only: another port is another origin', async () => {
    const other = await upstream();
    other.file('/blob', 'elsewhere');
    const origin = await upstream();
    origin.file('/final', 'same origin');
    origin.route('/same', (_q, s) => void s.writeHead(301, { location: '/final' }).end());
    const port = new URL(other.url).port;
    origin.route(
      '/port',
      (_q, s) => void s.writeHead(302, { location: `http://127.0.0.1:${port}/blob` }).end(),
    );
    trove = await startTrove(
      fileInstance(origin.url, {
        upstreams: [{ url: origin.url, headers: { authorization: 'Basic c2VjcmV0' } }],
      }),
    );
    expect((await get(`${trove.url}/files/same`)).body.toString()).toBe('same origin');
    expect((await get(`${trove.url}/files/port`)).body.toString()).toBe('elsewhere');
    const final = origin.requests.find((r) => r.url === '/final');
    expect(final?.headers['authorization']).toBe('Basic c2VjcmV0');
    expect(other.requests.map((r) => r.headers['authorization'])).toEqual([undefined]);
  });

  it('gives up after max_redirects', async () => {
    const loop = await upstream();
    loop.route('/x', (_q, s) => void s.writeHead(302, { location: '/x' }).end());
    trove = await startTrove({ ...fileInstance(loop.url), upstream: { max_redirects: 3 } });
    const r = await get(`${trove.url}/files/x`);
    expect(r.status).toBe(502);
    expect(loop.count('/x')).toBe(4);
  });

  it('sends basic credentials and configured headers', async () => {
    const u = await upstream();
    u.file('/x', 'x');
    trove = await startTrove(
      fileInstance(u.url, {
        upstreams: [
          {
            url: u.url,
            headers: { 'x-team': 'platform' },
            auth: { username: 'ci', password: 'pw' },
          },
        ],
      }),
    );
    await get(`${trove.url}/files/x`);
    expect(u.requests[0]?.headers['authorization']).toBe(
      `Basic ${Buffer.from('ci:pw').toString('base64')}`,
    );
    expect(u.requests[0]?.headers['x-team']).toBe('platform');
  });
});

describe('query strings', () => {
  it('are neither keyed nor forwarded unless include_query is set', async () => {
    const u = await upstream();
    u.route('/x', (q, s) => void s.writeHead(200).end(`query=${q.url?.split('?')[1] ?? ''}`));
    trove = await startTrove({
      instances: {
        plain: { type: 'file', upstreams: [u.url] },
        keyed: { type: 'file', upstreams: [u.url], include_query: true },
      },
    });
    expect((await get(`${trove.url}/plain/x?a=1`)).body.toString()).toBe('query=');
    expect((await get(`${trove.url}/plain/x?a=2`)).headers['x-cache']).toBe('HIT');
    expect((await get(`${trove.url}/keyed/x?b=2&a=1`)).body.toString()).toBe('query=a=1&b=2');
    expect((await get(`${trove.url}/keyed/x?a=1&b=2`)).headers['x-cache']).toBe('HIT');
    expect((await get(`${trove.url}/keyed/x?a=3`)).headers['x-cache']).toBe('MISS');
  });
});
