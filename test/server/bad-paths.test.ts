// Bad input: traversal in any encoding is refused with 400 before it reaches storage or the
// upstream, and a fuzz of random paths never gets past the checks or crashes the server.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPath } from '../../src/server/safe-path.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

/** Sends a raw request target (no client-side normalization). */
function raw(base: string, target: string): Promise<{ status: number; error?: string }> {
  const u = new URL(base);
  return new Promise((resolve) => {
    const req = request(
      { host: u.hostname, port: u.port, path: target, method: 'GET', agent: false },
      (res) => {
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, error: res.headers['x-trove-error'] as string }),
        );
      },
    );
    req.on('error', () => resolve({ status: -1 }));
    req.end();
  });
}

const TRAVERSALS = [
  '/files/../etc/passwd',
  '/files/%2e%2e/etc/passwd',
  '/files/%2E%2E/%2e%2e/etc/passwd',
  '/files/.%2e/secret',
  '/files/a/%2e/b',
  '/files/..%2fetc%2fpasswd',
  '/files/a%2fb',
  '/files/a%5c..%5cb',
  '/files/a\\..\\b',
  '/files/a%00.txt',
  '/files/%252e%252e/etc',
  '/files/a//b',
  '/files/%c0%ae%c0%ae/etc',
  '/files/%',
  '/files/a%zz',
];

let up: FakeUpstream;
let trove: TestTrove;
beforeAll(async () => {
  up = await new FakeUpstream().file('/ok.txt', 'ok').start();
  trove = await startTrove(fileInstance(up.url));
});
afterAll(async () => {
  await trove.stop();
  await up.stop();
});

describe('path traversal', () => {
  for (const target of TRAVERSALS) {
    it(`refuses ${target} with 400`, async () => {
      const r = await raw(trove.url, target);
      expect(r.status).toBe(400);
      expect(r.error).toBe('TROVE_ERR_BAD_PATH');
    });
  }

  it('never sent any of them upstream', () => {
    expect(up.requests.map((r) => r.url)).toEqual([]);
  });

  it('still serves a normal path', async () => {
    expect((await raw(trove.url, '/files/ok.txt')).status).toBe(200);
  });
});

describe('path fuzz', () => {
  const alphabet = [
    'a',
    '.',
    '..',
    '/',
    '%2e',
    '%2f',
    '%5c',
    '\\',
    '%00',
    '%25',
    '%',
    'é',
    '%c3%a9',
    '~',
    '+',
    ' ',
    '%20',
  ];
  const pick = (): string => alphabet[(randomBytes(1)[0] as number) % alphabet.length] as string;

  it('checkPath accepts nothing that decodes to a traversal (5000 random paths)', () => {
    for (let i = 0; i < 5000; i++) {
      let p = '/';
      const n = 1 + ((randomBytes(1)[0] as number) % 12);
      for (let j = 0; j < n; j++) p += pick();
      const r = checkPath(p);
      if (!r.ok) continue;
      for (const seg of r.segments) {
        expect(seg === '.' || seg === '..').toBe(false);
        expect(seg.includes('/') || seg.includes('\\') || seg.includes('\0')).toBe(false);
      }
    }
  });

  it('the server answers every random path without crashing, and storage holds only blobs (300 requests)', async () => {
    for (let i = 0; i < 300; i++) {
      let p = '/files/';
      const n = 1 + ((randomBytes(1)[0] as number) % 8);
      for (let j = 0; j < n; j++) p += pick().replace(' ', '%20').replace('é', '%C3%A9');
      const r = await raw(trove.url, p);
      expect([200, 400, 404]).toContain(r.status);
    }
    expect((await raw(trove.url, '/health')).status).toBe(200);
    expect(readdirSync(trove.dir).sort()).toEqual([
      'blobs',
      'index.db',
      'index.db-shm',
      'index.db-wal',
      'tmp',
    ]);
  });
});
