// One upstream fetch per key; every client streams the live bytes; disconnects don't cancel.
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { get, type Got } from '../helpers/client.js';
import { FakeUpstream, gate, sleep, until } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let up: FakeUpstream;
let trove: TestTrove;
afterEach(async () => {
  await trove?.stop();
  await up?.stop();
});

describe('single flight', () => {
  it('50 concurrent cold requests cause one upstream fetch, all stream before the upstream finishes', async () => {
    const body = randomBytes(4 * 1024 * 1024);
    const release = gate();
    let firstHalfSent = false;
    up = await new FakeUpstream()
      .route('/big.bin', async (_req, res) => {
        res.writeHead(200, {
          'content-length': body.length,
          'content-type': 'application/octet-stream',
        });
        res.write(body.subarray(0, body.length / 2));
        firstHalfSent = true;
        await release.wait;
        res.end(body.subarray(body.length / 2));
      })
      .start();
    trove = await startTrove(fileInstance(up.url));

    let firstBytes = 0;
    const clients: Promise<Got>[] = [];
    for (let i = 0; i < 50; i++) {
      clients.push(
        new Promise<Got>((resolve, reject) => {
          void import('node:http').then(({ request }) => {
            const started = performance.now();
            const req = request(`${trove.url}/files/big.bin`, { agent: false }, (res) => {
              const parts: Buffer[] = [];
              let ttfb = -1;
              res.on('data', (c: Buffer) => {
                if (ttfb < 0) {
                  ttfb = performance.now() - started;
                  firstBytes++;
                }
                parts.push(c);
              });
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  headers: res.headers,
                  body: Buffer.concat(parts),
                  complete: res.complete,
                  ttfb,
                }),
              );
            });
            req.on('error', reject);
            req.end();
          });
        }),
      );
    }
    // Every client has bytes while the upstream is still holding back its second half.
    await until(() => firstHalfSent && firstBytes === 50, 10_000);
    expect(up.count('/big.bin')).toBe(1);
    release.open();
    const results = await Promise.all(clients);
    expect(up.count('/big.bin')).toBe(1);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      expect(sha(r.body)).toBe(sha(body));
    }
    const hit = await get(`${trove.url}/files/big.bin`);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(sha(hit.body)).toBe(sha(body));
    expect(up.count('/big.bin')).toBe(1);
  });

  it('a client that disconnects mid-fill does not stop the object from being cached', async () => {
    const body = randomBytes(2 * 1024 * 1024);
    const release = gate();
    up = await new FakeUpstream()
      .route('/f.bin', async (_req, res) => {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 512 * 1024));
        await release.wait;
        res.end(body.subarray(512 * 1024));
      })
      .start();
    trove = await startTrove(fileInstance(up.url));
    const first = await get(`${trove.url}/files/f.bin`, { abortAfterBytes: 1000 });
    expect(first.complete).toBe(false);
    release.open();
    await until(
      async () =>
        (await get(`${trove.url}/files/f.bin`, { method: 'HEAD' })).headers['x-cache'] === 'HIT',
    );
    const hit = await get(`${trove.url}/files/f.bin`);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(sha(hit.body)).toBe(sha(body));
    expect(up.count('/f.bin')).toBe(1);
  });

  it('a slow client does not hold back a fast one', async () => {
    const body = randomBytes(8 * 1024 * 1024);
    up = await new FakeUpstream().file('/s.bin', body).start();
    trove = await startTrove(fileInstance(up.url));
    const { request } = await import('node:http');
    // The slow client reads nothing until the fast one has finished.
    let slowRes: import('node:http').IncomingMessage | undefined;
    const slowReq = request(`${trove.url}/files/s.bin`, { agent: false }, (res) => {
      slowRes = res;
      res.pause();
    });
    slowReq.end();
    await until(() => slowRes !== undefined);
    const fast = await get(`${trove.url}/files/s.bin`);
    expect(fast.complete).toBe(true);
    expect(sha(fast.body)).toBe(sha(body));
    const parts: Buffer[] = [];
    const slowBody = await new Promise<Buffer>((resolve) => {
      slowRes?.on('data', (c: Buffer) => parts.push(c));
      slowRes?.on('end', () => resolve(Buffer.concat(parts)));
      slowRes?.resume();
    });
    expect(sha(slowBody)).toBe(sha(body));
    expect(up.count('/s.bin')).toBe(1);
    await sleep(0);
  });
});
