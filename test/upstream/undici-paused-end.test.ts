// undici 6 and 7 crash the process (an uncatchable `assert(!this.paused)`) when an upstream
// closes the connection while the body's reader is behind (undici issue 5360, fixed in undici 8,
// which needs Node 22). scripts/patch-undici.mjs applies that fix at install; this checks it,
// for a body ended by the close and for one with a Content-Length.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';

// One TCP segment's worth, so the parser pauses on its last byte with nothing left to read.
const BODY = Buffer.alloc(16 * 1024, 0x61);
let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

async function upstream(head: string): Promise<string> {
  server = createServer((sock) => {
    sock.once('data', () => {
      sock.end(Buffer.concat([Buffer.from(head), BODY])); // everything, then FIN at once
    });
  });
  await new Promise<void>((r) => (server as Server).listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${((server as Server).address() as AddressInfo).port}/`;
}

async function readLate(url: string): Promise<Buffer> {
  const res = await request(url, { highWaterMark: 1024 });
  // The reader is behind: the parser pauses, and the peer's FIN arrives meanwhile.
  await new Promise((r) => setTimeout(r, 300));
  const parts: Buffer[] = [];
  for await (const c of res.body) parts.push(c as Buffer);
  return Buffer.concat(parts);
}

describe('undici, a paused parser when the upstream closes', () => {
  it('completes a body whose end is the close', async () => {
    const url = await upstream('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n');
    expect((await readLate(url)).equals(BODY)).toBe(true);
  });

  it('completes a body with a Content-Length', async () => {
    const url = await upstream(
      `HTTP/1.1 200 OK\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n`,
    );
    expect((await readLate(url)).equals(BODY)).toBe(true);
  });
});
