// A real node:http upstream on 127.0.0.1:0 whose routes tests program, counting requests. No
// vitest imports: benchmarks use it too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

export class FakeUpstream {
  readonly server: Server | HttpsServer;
  readonly #scheme: string;
  readonly routes = new Map<string, RouteHandler>();
  readonly hits = new Map<string, number>();
  readonly requests: IncomingMessage[] = [];
  url = '';

  /** Over TLS when given a key and certificate. */
  constructor(tls?: { key: string; cert: string }) {
    this.#scheme = tls ? 'https' : 'http';
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      const path = (req.url ?? '/').split('?')[0] as string;
      this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
      this.requests.push(req);
      const route = this.routes.get(path);
      if (!route) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      void Promise.resolve(route(req, res)).catch(() => res.destroy());
    };
    this.server = tls ? createHttpsServer(tls, handler) : createServer(handler);
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((r) => this.server.listen(port, '127.0.0.1', r));
    this.url = `${this.#scheme}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
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
