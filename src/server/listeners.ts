// Listeners with graceful shutdown: stop accepting, let in-flight responses finish up to a
// bound, then close what is left. Plain HTTP/1.1 here; HTTPS and HTTP/2 in tls-server.ts.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import { TroveError } from '../errors.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A server and how to close its connections: idle ones first, then every one. */
export interface Serving {
  server: Server;
  closeIdle(): void;
  closeAll(): void;
  /** http or https, for the URLs Trove shows. */
  scheme: 'http' | 'https';
}

export interface Listener extends Serving {
  address(): AddressInfo;
}

/** Server options every HTTP/1.1 listener shares. */
export const HTTP1_OPTIONS = {
  keepAliveTimeout: 65_000,
  requestTimeout: 0,
  headersTimeout: 60_000,
};

/** Counts a response in `track` until it closes, then runs the handler. */
export function tracked(handler: Handler, track: Set<ServerResponse>): Handler {
  return (req, res) => {
    track.add(res);
    res.once('close', () => track.delete(res));
    return handler(req, res);
  };
}

/** The plain HTTP server for one listener; every response is tracked for graceful shutdown. */
export function httpServer(handler: Handler, track: Set<ServerResponse>): Serving {
  const serve = tracked(handler, track);
  const server = createServer(HTTP1_OPTIONS, (req, res) => void serve(req, res));
  return {
    server,
    closeIdle: () => server.closeIdleConnections(),
    closeAll: () => server.closeAllConnections(),
    scheme: 'http',
  };
}

const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the address is in use (another Trove, or another server?)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no interface of this machine has that address',
};

/** Binds a server to host:port; a failure names the address and why. */
export async function bindServer(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException): void => {
      const why = BIND_ERRORS[err.code ?? ''] ?? err.message;
      const at = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
      reject(new TroveError('TROVE_ERR_CONFIG', `cannot listen on ${at}: ${why}`));
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

/** Binds a listener (the server of a cluster worker is handed connections instead). */
export async function listen(host: string, port: number, serving: Serving): Promise<Listener> {
  await bindServer(serving.server, host, port);
  return { ...serving, address: () => serving.server.address() as AddressInfo };
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
  for (const l of listeners) l.closeIdle();
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
  for (const l of listeners) l.closeAll();
  await Promise.all(closed);
  return clean;
}
