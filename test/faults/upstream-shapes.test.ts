// Upstream answers that look like success but are not the object: a content coding nobody asked
// for, a body whose end is only a closed connection, a 206 or a 304 to a plain GET, a refresh
// that breaks after its headers. None may be cached as the object or passed on as one.
import { createHash } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { managedUpstreams, stopAfterEach, sleep } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

const object = Buffer.from(
  Array.from({ length: 12_000 }, (_, i) => `line ${i} of a compressible file\n`).join(''),
).subarray(0, 300_000);
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let raw: Server | undefined;
afterEach(() => raw?.close());

/** A raw TCP upstream; `answer` writes the n-th response (1-based) on the socket. */
async function rawUpstream(
  answer: (s: Socket, n: number) => void,
): Promise<{ url: string; count(): number }> {
  let n = 0;
  raw = createServer((s) => {
    s.on('error', () => undefined);
    s.once('data', () => answer(s, ++n));
  });
  await new Promise<void>((r) => raw?.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(raw.address() as AddressInfo).port}`, count: () => n };
}

describe('content codings nobody asked for', () => {
  it.each([
    ['gzip', gzipSync(object)],
    ['x-gzip', gzipSync(object)],
    ['br', brotliCompressSync(object)],
  ])(
    'a %s body is decoded: the object is stored and served as identity bytes',
    async (coding, encoded) => {
      const up = await upstream((u) => u.file('/f', encoded, { 'content-encoding': coding }));
      trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }));
      for (const want of ['MISS', 'HIT']) {
        const r = await get(`${trove.url}/files/f`);
        expect([r.status, r.complete, r.headers['x-cache'], r.headers['content-encoding']]).toEqual(
          [200, true, want, undefined],
        );
        expect(r.body.length).toBe(object.length);
        expect(r.body.equals(object)).toBe(true);
      }
      expect(up.requests[0]?.headers['accept-encoding']).toBe('identity');
    },
  );

  it('a digest-checked artifact is checked against its decoded bytes (an OCI blob)', async () => {
    const digest = `sha256:${sha(object)}`;
    const reg = await upstream((u) =>
      u.file(`/v2/team/app/blobs/${digest}`, gzipSync(object), { 'content-encoding': 'gzip' }),
    );
    trove = await startTrove({
      instances: { oci: { type: 'oci', registries: { 'reg.test': reg.url } } },
    });
    const r = await get(`${trove.url}/v2/reg.test/team/app/blobs/${digest}`);
    expect([r.status, r.body.equals(object)]).toEqual([200, true]);
  });

  it('a coding Trove cannot decode is refused: 502 without a copy, the stale copy with one', async () => {
    let coding = 'identity';
    const up = await upstream((u) =>
      u.route('/f', (_req, res) => {
        res.writeHead(200, { 'content-encoding': coding, 'content-length': 5 }).end('hello');
      }),
    );
    trove = await startTrove(fileInstance(up.url, { fresh_for: '1ms' }));
    expect((await get(`${trove.url}/files/f`)).body.toString()).toBe('hello');
    coding = 'compress';
    await sleep(5);
    const stale = await get(`${trove.url}/files/f`);
    expect([stale.status, stale.headers['x-cache'], stale.body.toString()]).toEqual([
      200,
      'STALE',
      'hello',
    ]);
    await trove.stop();
    trove = await startTrove(fileInstance(up.url, { fresh_for: '1ms' }));
    const refused = await get(`${trove.url}/files/f`);
    expect([refused.status, refused.headers['x-trove-error']]).toEqual([
      502,
      'TROVE_ERR_UPSTREAM_BODY',
    ]);
    expect(refused.body.toString()).toContain('Content-Encoding: compress');
  });

  it('a cut gzip stream (its trailer missing) is never cached', async () => {
    const gz = gzipSync(object);
    const cut = gz.subarray(0, gz.length - 200);
    const up = await upstream((u) => u.file('/f', cut, { 'content-encoding': 'gzip' }));
    trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }));
    const r = await get(`${trove.url}/files/f`);
    expect(r.complete).toBe(false);
    await get(`${trove.url}/files/f`);
    expect(up.count('/f')).toBe(2);
  });
});

describe('bodies whose end is only a closed connection', () => {
  const closeDelimited = (body: Buffer) => (s: Socket) => {
    s.write(
      'HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nconnection: close\r\n\r\n',
    );
    s.end(body);
  };

  it('are served but not cached, whole or cut, so a cut is never kept as the object', async () => {
    const up = await rawUpstream((s, n) =>
      closeDelimited(n === 1 ? object.subarray(0, 100_000) : object)(s),
    );
    trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }));
    const cut = await get(`${trove.url}/files/f`);
    expect([cut.status, cut.body.length]).toEqual([200, 100_000]);
    const whole = await get(`${trove.url}/files/f`);
    expect([whole.headers['x-cache'], whole.body.equals(object)]).toEqual(['MISS', true]);
    const again = await get(`${trove.url}/files/f`);
    expect([again.headers['x-cache'], again.body.equals(object)]).toEqual(['MISS', true]);
    expect(up.count()).toBe(3);
  });

  it('are cached when a digest confirms them (an OCI blob)', async () => {
    const digest = `sha256:${sha(object)}`;
    const up = await rawUpstream(closeDelimited(object));
    trove = await startTrove({
      instances: { oci: { type: 'oci', registries: { 'reg.test': up.url } } },
    });
    for (const want of ['MISS', 'HIT']) {
      const r = await get(`${trove.url}/v2/reg.test/team/app/blobs/${digest}`);
      expect([r.headers['x-cache'], r.body.equals(object)]).toEqual([want, true]);
    }
    expect(up.count()).toBe(1);
  });
});

describe('answers that make no sense for a plain GET', () => {
  const answers: Record<string, (res: import('node:http').ServerResponse) => void> = {
    '206': (res) =>
      void res
        .writeHead(206, { 'content-range': 'bytes 0-4/100', 'content-length': 5 })
        .end('hello'),
    '304': (res) => void res.writeHead(304).end(),
    '204': (res) => void res.writeHead(204).end(),
  };

  it.each(Object.keys(answers))(
    'an unsolicited %s is a 502 without a copy, and the stale copy with one',
    async (code) => {
      let good = true;
      const up = await upstream((u) =>
        u.route('/f', (_req, res) =>
          good
            ? void res.writeHead(200, { 'content-length': 4 }).end('good')
            : answers[code]?.(res),
        ),
      );
      trove = await startTrove(fileInstance(up.url, { fresh_for: '1ms' }));
      expect((await get(`${trove.url}/files/f`)).body.toString()).toBe('good');
      good = false;
      await sleep(5);
      // No validators were stored, so this refresh is a plain GET: its 304 was never asked for.
      const stale = await get(`${trove.url}/files/f`);
      expect([stale.status, stale.headers['x-cache'], stale.body.toString()]).toEqual([
        200,
        'STALE',
        'good',
      ]);
      await trove.stop();
      trove = await startTrove(fileInstance(up.url, { fresh_for: '1ms' }));
      const none = await get(`${trove.url}/files/f`);
      expect([none.status, none.headers['x-trove-error']]).toEqual([
        502,
        'TROVE_ERR_UPSTREAM_STATUS',
      ]);
      expect(none.body.toString()).toContain(`upstream answered ${code} to a plain GET`);
    },
  );
});

describe('a refresh that breaks after its headers', () => {
  it('serves the stale copy whole when the new body is small', async () => {
    const up = await rawUpstream((s, n) => {
      if (n === 1) return void s.end(`HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nold copy!`);
      s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${object.length}\r\n\r\n`);
      s.write(object.subarray(0, 1000), () => setTimeout(() => s.resetAndDestroy(), 50));
    });
    trove = await startTrove(fileInstance(up.url, { fresh_for: '1ms' }));
    expect((await get(`${trove.url}/files/f`)).body.toString()).toBe('old copy!');
    await sleep(5);
    const r = await get(`${trove.url}/files/f`);
    expect([r.status, r.complete, r.headers['x-cache'], r.body.toString()]).toEqual([
      200,
      true,
      'STALE',
      'old copy!',
    ]);
  });
});
