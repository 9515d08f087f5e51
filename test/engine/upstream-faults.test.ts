// Upstream faults: nothing is cached, the client sees an error status or a detectably cut
// body, and the next request refetches.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

const body = randomBytes(256 * 1024);
const b64 = (alg: string, b: Buffer): string => createHash(alg).update(b).digest('base64');

let trove: TestTrove | undefined;
let up: FakeUpstream | undefined;
let raw: Server | undefined;
afterEach(async () => {
  await trove?.stop();
  await up?.stop();
  raw?.close();
  trove = up = raw = undefined;
});

/** A raw TCP upstream: the first `faulty` requests get `fault`, later ones a good response. */
async function rawUpstream(
  faulty: number,
  fault: (s: Socket) => void,
): Promise<{ url: string; count: () => number }> {
  let n = 0;
  raw = createServer((socket) => {
    socket.once('data', () => {
      n++;
      if (n <= faulty) return fault(socket);
      socket.write(
        `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
      );
      socket.write(body);
      socket.end();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => raw?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, count: () => n };
}

const head = (len: number): string =>
  `HTTP/1.1 200 OK\r\nContent-Length: ${len}\r\nContent-Type: application/octet-stream\r\n\r\n`;

const bodyFaults: Array<[string, (s: Socket) => void]> = [
  [
    'connection reset mid-body',
    (s) => {
      s.write(head(body.length));
      s.write(body.subarray(0, body.length / 2), () => s.resetAndDestroy());
    },
  ],
  [
    'truncated body (clean close)',
    (s) => {
      s.write(head(body.length));
      s.end(body.subarray(0, body.length - 100));
    },
  ],
  [
    'Content-Length larger than the body',
    (s) => {
      s.write(head(body.length + 5000));
      s.end(body);
    },
  ],
  [
    'body stall beyond the idle timeout',
    (s) => {
      s.write(head(body.length));
      s.write(body.subarray(0, 1000));
      setTimeout(() => s.destroy(), 3000);
    },
  ],
];

describe('upstream faults', () => {
  for (const [name, fault] of bodyFaults) {
    it(`${name}: nothing cached, client sees the cut, next request refetches`, async () => {
      const u = await rawUpstream(1, fault);
      trove = await startTrove({ ...fileInstance(u.url), upstream: { idle_timeout: '300ms' } });
      const first = await get(`${trove.url}/files/x.bin`);
      const cut = first.status >= 500 || !first.complete || !first.body.equals(body);
      expect(cut).toBe(true);
      if (first.status === 200) expect(first.complete).toBe(false);
      const second = await get(`${trove.url}/files/x.bin`);
      expect(second.status).toBe(200);
      expect(second.headers['x-cache']).toBe('MISS');
      expect(second.body.equals(body)).toBe(true);
      expect(u.count()).toBe(2);
      const third = await get(`${trove.url}/files/x.bin`);
      expect(third.headers['x-cache']).toBe('HIT');
      expect(third.body.equals(body)).toBe(true);
    });
  }

  for (const [status, expected] of [
    [500, 502],
    [503, 502],
    [429, 503],
  ] as const) {
    it(`upstream ${status} answers ${expected}, never 404, and caches nothing`, async () => {
      let n = 0;
      up = await new FakeUpstream()
        .route('/x.bin', (_req, res) => {
          n++;
          if (n === 1) res.writeHead(status, { 'retry-after': '1' }).end('busy');
          else res.writeHead(200, { 'content-length': body.length }).end(body);
        })
        .start();
      trove = await startTrove(fileInstance(up.url));
      const first = await get(`${trove.url}/files/x.bin`);
      expect(first.status).toBe(expected);
      expect(first.headers['x-trove-error']).toMatch(/^TROVE_ERR_UPSTREAM_/);
      const second = await get(`${trove.url}/files/x.bin`);
      expect(second.status).toBe(200);
      expect(second.body.equals(body)).toBe(true);
      expect(up.count('/x.bin')).toBe(2);
    });
  }

  it('a Content-Length smaller than the body is caught by the declared digest', async () => {
    // HTTP framing alone cannot tell a short Content-Length from a short file; a checksum can.
    const u = await rawUpstream(1, (s) => {
      s.write(
        `HTTP/1.1 200 OK\r\nContent-Length: ${body.length - 1000}\r\nRepr-Digest: sha-256=:${b64('sha256', body)}:\r\n\r\n`,
      );
      s.end(body);
    });
    trove = await startTrove(fileInstance(u.url));
    const first = await get(`${trove.url}/files/x.bin`);
    expect(first.complete && first.body.equals(body)).toBe(false);
    const second = await get(`${trove.url}/files/x.bin`);
    expect(second.headers['x-cache']).toBe('MISS');
    expect(second.body.equals(body)).toBe(true);
    expect(u.count()).toBe(2);
  });

  it('a digest mismatch (Repr-Digest) is refused and not cached', async () => {
    let n = 0;
    up = await new FakeUpstream()
      .route('/x.bin', (_req, res) => {
        n++;
        const declared =
          n === 1 ? b64('sha256', Buffer.from('something else')) : b64('sha256', body);
        res
          .writeHead(200, { 'content-length': body.length, 'repr-digest': `sha-256=:${declared}:` })
          .end(body);
      })
      .start();
    trove = await startTrove(fileInstance(up.url));
    const first = await get(`${trove.url}/files/x.bin`);
    // The last byte is held back until verification, so the client sees a cut body.
    expect(first.complete).toBe(false);
    expect(first.body.length).toBeLessThan(body.length);
    const second = await get(`${trove.url}/files/x.bin`);
    expect(second.complete).toBe(true);
    expect(second.body.equals(body)).toBe(true);
    expect(second.headers['x-cache']).toBe('MISS');
    expect(up.count('/x.bin')).toBe(2);
  });

  it('an unreachable upstream answers 502 with a clear error', async () => {
    // Port 1 (tcpmux) is below the ephemeral range, so no concurrent test can be handed it the
    // way a just-closed port 0 listener's port can be; nothing here listens on it.
    trove = await startTrove(fileInstance('http://127.0.0.1:1'));
    const r = await get(`${trove.url}/files/x.bin`);
    expect(r.status).toBe(502);
    expect(r.headers['x-trove-error']).toBe('TROVE_ERR_UPSTREAM_CONNECT');
    expect(r.body.toString()).toMatch(/ECONNREFUSED/);
  });

  it('an upstream that never answers headers times out with 504', async () => {
    const u = await rawUpstream(5, () => undefined);
    trove = await startTrove({ ...fileInstance(u.url), upstream: { header_timeout: '300ms' } });
    const r = await get(`${trove.url}/files/x.bin`);
    expect(r.status).toBe(504);
    expect(r.headers['x-trove-error']).toBe('TROVE_ERR_UPSTREAM_TIMEOUT');
  });
});

describe('slow clients and Connection: close upstreams', () => {
  // undici 6/7 crash on a paused non-keep-alive body when the peer closes (nodejs/undici#5360).
  for (const policy of ['immutable', 'bypass'] as const) {
    it(`a paused client never crashes the process (${policy})`, async () => {
      const big = randomBytes(8 * 1024 * 1024);
      const u = await rawUpstream(100, (s) => {
        s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${big.length}\r\nConnection: close\r\n\r\n`);
        s.end(big);
      });
      trove = await startTrove(fileInstance(u.url, { default_policy: policy }));
      const { request } = await import('node:http');
      const parts: Buffer[] = [];
      const done = new Promise<void>((resolve, reject) => {
        const req = request(`${trove?.url}/files/big`, { agent: false }, (res) => {
          res.pause();
          setTimeout(() => {
            res.on('data', (c: Buffer) => parts.push(c));
            res.on('end', resolve);
            res.resume();
          }, 500);
        });
        req.on('error', reject);
        req.end();
      });
      await done;
      expect(Buffer.concat(parts).equals(big)).toBe(true);
      expect((await get(`${trove.url}/health`)).status).toBe(200);
    });
  }
});

describe('bypass', () => {
  it('never contacts the upstream in offline mode', async () => {
    up = await new FakeUpstream().file('/x', 'x').start();
    trove = await startTrove({
      ...fileInstance(up.url, { default_policy: 'bypass' }),
      offline: true,
    });
    const r = await get(`${trove.url}/files/x`);
    expect(r.status).toBe(504);
    expect(up.count('/x')).toBe(0);
  });

  it('passes 404 through without caching it', async () => {
    up = await new FakeUpstream().start();
    trove = await startTrove(fileInstance(up.url, { default_policy: 'bypass' }));
    expect((await get(`${trove.url}/files/nope`)).status).toBe(404);
    expect((await get(`${trove.url}/files/nope`)).status).toBe(404);
    expect(up.count('/nope')).toBe(2);
  });
});

describe('max_object_size', () => {
  it('refuses a declared oversize body with 502 and an undeclared one with a cut body', async () => {
    const big = randomBytes(300 * 1024);
    up = await new FakeUpstream()
      .file('/declared', big)
      .route('/chunked', (_q, s) => {
        s.writeHead(200); // no Content-Length: chunked
        s.write(big.subarray(0, 100 * 1024));
        setTimeout(() => s.end(big.subarray(100 * 1024)), 20);
      })
      .start();
    trove = await startTrove(fileInstance(up.url, { max_object_size: '200KiB' }));
    const declared = await get(`${trove.url}/files/declared`);
    expect(declared.status).toBe(502);
    expect(declared.headers['x-trove-error']).toBe('TROVE_ERR_TOO_LARGE');
    const chunked = await get(`${trove.url}/files/chunked`);
    expect(chunked.complete).toBe(false);
    expect(chunked.body.length).toBeLessThan(big.length);
    await get(`${trove.url}/files/chunked`);
    expect(up.count('/chunked')).toBe(2);
  });
});
