// node:http listeners with graceful shutdown: stop accepting, let in-flight responses finish
// up to a bound, then close what is left.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listener {
  server: Server;
  address(): AddressInfo;
}

/** The HTTP server for one listener; every response is tracked for graceful shutdown. */
export function httpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  track: Set<ServerResponse>,
): Server {
  return createServer(
    { keepAliveTimeout: 65_000, requestTimeout: 0, headersTimeout: 60_000 },
    (req, res) => {
      track.add(res);
      res.once('close', () => track.delete(res));
      void handler(req, res);
    },
  );
}

/** Binds a server to host:port (the server of a cluster worker is handed connections instead). */
export async function listen(host: string, port: number, server: Server): Promise<Listener> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { server, address: () => server.address() as AddressInfo };
}

/** Stops accepting and waits for in-flight responses (and `more`) for at most timeoutMs. */
export async function closeGracefully(
  listeners: Listener[],
  inFlight: Set<ServerResponse>,
  more: Promise<unknown>,
  timeoutMs: number,
): Promise<boolean> {
  const closed = listeners.map(
    (l) => new Promise<void>((resolve) => l.server.close(() => resolve())),
  );
  for (const l of listeners) l.server.closeIdleConnections();
  const idle = (async () => {
    for (let i = 0; inFlight.size > 0 && i < timeoutMs / 50 + 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    await more;
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const clean = await Promise.race([idle.then(() => true as const), timeout]);
  clearTimeout(timer);
  for (const l of listeners) l.server.closeAllConnections();
  await Promise.all(closed);
  return clean;
}
