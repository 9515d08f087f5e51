// A real node:http upstream on 127.0.0.1:0 whose routes tests program, counting requests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export class FakeUpstream {
  readonly server: Server;
  readonly routes = new Map<string, RouteHandler>();
  readonly hits = new Map<string, number>();
  readonly requests: IncomingMessage[] = [];
  url = '';

  constructor() {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0] as string;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      this.requests.push(req);
      const route = this.routes.get(path);
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      void Promise.resolve(route(req, res)).catch(() => res.destroy());
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Serves a fixed body with optional extra headers. */
  file(path: string, body: Buffer | string, headers: Record<string, string> = {}): this {
    const buf = Buffer.from(body);
    this.routes.set(path, (_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': buf.length,
        ...headers,
      });
      res.end(buf);
    });
    return this;
  }

  route(path: string, handler: RouteHandler): this {
    this.routes.set(path, handler);
    return this;
  }

  count(path: string): number {
    return this.hits.get(path) ?? 0;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}

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

/** Stops whatever the getter returns after each test (stopping twice is harmless). */
export function stopAfterEach(things: () => Array<{ stop(): Promise<void> } | undefined>): void {
  afterEach(async () => {
    for (const t of things()) await t?.stop();
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
