// The upstream of the reliability runs: serves a corpus under a base path, optionally slowly
// (so kills land mid-fill), logs every request it is asked, and keeps a canary outside the base
// whose request would prove an escape. A second canary server counts any connection at all.
import { createServer, type Server } from 'node:http';
import { createServer as createTcp, type Server as TcpServer } from 'node:net';
import type { Obj } from './corpus.js';

export interface Origin {
  url: string;
  /** Every request path (and query) asked, in order. */
  asked: string[];
  /** Requests outside every base, and connections to the canary port. */
  escapes(): string[];
  canaryPort: number;
  close(): Promise<void>;
}

export interface OriginOptions {
  /** Path prefixes requests may use (e.g. '/base/'); anything else is an escape. */
  bases: string[];
  objects: Obj[];
  /** Objects are under this prefix. */
  prefix: string;
  /** Send bodies in chunks of this size with this pause between them (0: at once). */
  chunk?: number;
  pauseMs?: number;
  /** Extra routes by exact path. */
  routes?: Record<string, (res: import('node:http').ServerResponse) => void>;
}

export async function startOrigin(o: OriginOptions): Promise<Origin> {
  const asked: string[] = [];
  const escapes: string[] = [];
  const byPath = new Map(o.objects.map((x) => [`${o.prefix}${x.name}`, x]));
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    asked.push(url);
    if (!o.bases.some((b) => url.startsWith(b))) escapes.push(`asked ${url}`);
    const path = url.split('?')[0] as string;
    const route = o.routes?.[path];
    if (route) return route(res);
    const obj = byPath.get(path);
    if (!obj) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    res.writeHead(200, { 'content-length': obj.size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') return void res.end();
    const chunk = o.chunk ?? 0;
    if (!chunk) return void res.end(obj.bytes);
    let off = 0;
    const next = (): void => {
      if (res.destroyed) return;
      const part = obj.bytes.subarray(off, off + chunk);
      off += part.length;
      if (off >= obj.size) return void res.end(part);
      res.write(part);
      setTimeout(next, o.pauseMs ?? 1);
    };
    next();
  });
  server.on('clientError', (_e, s) => s.destroy());
  const canary: TcpServer = createTcp((s) => {
    escapes.push('a connection reached the canary port');
    s.destroy();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    canaryPort: (canary.address() as { port: number }).port,
    asked,
    escapes: () => escapes,
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await new Promise((r) => canary.close(r));
    },
  };
}
