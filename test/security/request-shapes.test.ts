// Ambiguous and smuggling-shaped requests on raw sockets: each is refused (400) or answered as
// exactly one request, and no smuggled second request ever reaches the upstream.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { managedUpstreams, stopAfterEach } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

/** Sends raw bytes and collects everything until the server closes or `ms` pass. */
function rawExchange(url: string, request: string, ms = 1500): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const sock = connect(Number(port), hostname);
    let got = '';
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, ms);
    sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
    sock.on('close', done);
    sock.on('error', done);
    sock.write(request);
  });
}

const statuses = (raw: string): number[] =>
  [...raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('ambiguous requests', () => {
  it('two Host headers are a 400, whether they agree or not', async () => {
    const up = await upstream((u) => u.file('/f', 'body'));
    trove = await startTrove({
      instances: {
        a: { type: 'file', path: '/x', hosts: ['a.test'], upstreams: [up.url] },
        b: { type: 'file', path: '/x', hosts: ['b.test'], upstreams: [up.url] },
      },
    });
    for (const hosts of [
      ['a.test', 'b.test'],
      ['a.test', 'a.test'],
    ]) {
      const raw = await rawExchange(
        trove.url,
        `GET /x/f HTTP/1.1\r\nHost: ${hosts[0]}\r\nhost: ${hosts[1]}\r\nConnection: close\r\n\r\n`,
      );
      expect(statuses(raw)).toEqual([400]);
      expect(raw).toMatch(/x-trove-error: TROVE_ERR_BAD_REQUEST/i);
    }
    const ok = await rawExchange(
      trove.url,
      `GET /x/f HTTP/1.1\r\nHost: a.test\r\nConnection: close\r\n\r\n`,
    );
    expect(statuses(ok)).toEqual([200]);
    expect(up.requests.map((r) => r.url)).toEqual(['/f']);
  });

  it.each([
    [
      'Content-Length with Transfer-Encoding',
      'GET /files/f HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /files/smuggled HTTP/1.1\r\nHost: t\r\n\r\n',
    ],
    [
      'two different Content-Lengths',
      'GET /files/f HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nContent-Length: 45\r\n\r\nGET /files/smuggled HTTP/1.1\r\nHost: t\r\n\r\n',
    ],
    [
      'an obfuscated Transfer-Encoding',
      'GET /files/f HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: xchunked\r\n\r\nGET /files/smuggled HTTP/1.1\r\nHost: t\r\n\r\n',
    ],
    [
      'a header line folded onto the next (obs-fold)',
      'GET /files/f HTTP/1.1\r\nHost: t\r\nX-A: 1\r\n Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /files/smuggled HTTP/1.1\r\nHost: t\r\n\r\n',
    ],
    [
      'a NUL in a header value',
      'GET /files/f HTTP/1.1\r\nHost: t\r\nX-A: a\u0000b\r\n\r\nGET /files/smuggled HTTP/1.1\r\nHost: t\r\n\r\n',
    ],
    [
      'an absolute-form target naming another host',
      'GET http://127.0.0.1:1/smuggled HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n',
    ],
  ])(
    '%s: refused or answered once, and nothing smuggled reaches the upstream',
    async (_n, request) => {
      const up = await upstream((u) => u.file('/f', 'body').file('/smuggled', 'no'));
      trove = await startTrove(fileInstance(up.url));
      const raw = await rawExchange(trove.url, request);
      const seen = statuses(raw);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen.every((s) => s === 400 || s === 200)).toBe(true);
      expect(up.requests.map((r) => r.url)).not.toContain('/smuggled');
    },
  );
});

describe('odd Host headers', () => {
  it('never break the home page, whatever ecosystems are configured', async () => {
    const up = await upstream();
    trove = await startTrove({
      instances: {
        files: { type: 'file', upstreams: [up.url] },
        go: { type: 'go', path: '/go', upstreams: [up.url], verify: false },
        oci: { type: 'oci', registries: { 'docker.io': up.url } },
        npm: { type: 'npm', upstreams: [up.url] },
        pypi: { type: 'pypi', upstreams: [`${up.url}/simple/`] },
      },
    });
    for (const host of ['a b', 'x%y', '[::1', 'a:b:c', 'h\u00e9', '', 'x/y', 'x?y#z']) {
      const raw = await rawExchange(
        trove.url,
        `GET / HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
      );
      const got = statuses(raw);
      expect(got.length, host).toBe(1);
      expect(got[0], host).toBeLessThan(500);
    }
  });
});
