// Test helpers around fake upstreams: gates, polling, ports, and upstreams stopped after each test.
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { FakeUpstream } from './fake-server.js';

export { FakeUpstream, type RouteHandler } from './fake-server.js';

/** A gate a route can wait on, opened by the test. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 10 ms for at most `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(10);
  }
  throw new Error(`condition not met within ${ms} ms`);
}

type Ends = { stop(): Promise<void> } | { dispose(): Promise<void> };

/**
 * After each test, disposes of (or stops) whatever the getter returns, in order (doing it twice
 * is harmless), then calls `forget` (which clears the test file's variables).
 */
export function stopAfterEach(things: () => Array<Ends | undefined>, forget?: () => void): void {
  afterEach(async () => {
    for (const t of things()) {
      if (t) await ('dispose' in t ? t.dispose() : t.stop());
    }
    forget?.();
  });
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** Returns a factory of started upstreams that are all stopped after each test. */
export function managedUpstreams(): (
  setup?: (u: FakeUpstream) => FakeUpstream,
) => Promise<FakeUpstream> {
  const live: FakeUpstream[] = [];
  afterEach(async () => {
    for (const u of live.splice(0)) await u.stop();
  });
  return async (setup) => {
    const u = await (setup ? setup(new FakeUpstream()) : new FakeUpstream()).start();
    live.push(u);
    return u;
  };
}
