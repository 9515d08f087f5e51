// How a connection to an upstream origin is opened: directly, through an HTTP(S) proxy with
// CONNECT, or through a SOCKS5 proxy (socks5h: the proxy resolves names; socks5: Trove does).
// Each returns an undici connector, so TLS to the origin, pooling and timeouts stay undici's.
import { isIP, type Socket } from 'node:net';
import { buildConnector, Client } from 'undici';
import { SocksClient } from 'socks';
import { addressesOf, lookupFunction, type DnsResolver } from './dns/resolver.js';
import type { ProxySpec } from './spec.js';

export interface ConnectOptions {
  timeoutMs: number;
  resolver: DnsResolver | undefined;
  ca: string | undefined;
}

type Connector = buildConnector.connector;
type ConnectArgs = Parameters<Connector>[0];
type Callback = Parameters<Connector>[1];

function tlsOptions(o: ConnectOptions): buildConnector.BuildOptions {
  return {
    timeout: o.timeoutMs,
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.resolver ? { lookup: lookupFunction(o.resolver) } : {}),
  } as buildConnector.BuildOptions;
}

export function directConnector(o: ConnectOptions): Connector {
  return buildConnector(tlsOptions(o));
}

const defaultPort = (protocol: string): number => (protocol === 'https:' ? 443 : 80);

/** Opens a tunnel, then hands the socket to undici for TLS to the origin when needed. */
function tunnelled(o: ConnectOptions, open: (host: string, port: number) => Promise<Socket>) {
  const tls = buildConnector({
    ...tlsOptions(o),
    lookup: undefined,
  } as buildConnector.BuildOptions);
  return (opts: ConnectArgs, callback: Callback): void => {
    const port = Number(opts.port) || defaultPort(opts.protocol);
    open(opts.hostname, port).then(
      (socket) => {
        if (opts.protocol !== 'https:') return callback(null, socket);
        tls({ ...opts, httpSocket: socket } as ConnectArgs, callback);
      },
      (err: Error) => callback(err, null),
    );
  };
}

export function socksConnector(proxy: ProxySpec, o: ConnectOptions): Connector {
  return tunnelled(o, async (host, port) => {
    let destination = host.replace(/^\[|\]$/g, '');
    // socks5: names are resolved here (with the configured DNS); socks5h sends them as they are.
    if (proxy.scheme === 'socks5' && !isIP(destination)) {
      const addresses = o.resolver
        ? await addressesOf(o.resolver, destination)
        : await systemLookup(destination);
      destination = (addresses[0] as { address: string }).address;
    }
    const { socket } = await SocksClient.createConnection({
      proxy: {
        host: proxy.host,
        port: proxy.port,
        type: 5,
        ...(proxy.username !== undefined ? { userId: proxy.username } : {}),
        ...(proxy.password !== undefined ? { password: proxy.password } : {}),
      },
      command: 'connect',
      destination: { host: destination, port },
      timeout: o.timeoutMs,
    });
    return socket;
  });
}

async function systemLookup(host: string): Promise<Array<{ address: string }>> {
  const { lookup } = await import('node:dns/promises');
  return [await lookup(host)];
}

/** HTTP CONNECT through an http:// or https:// proxy (with Basic credentials when given). */
export function httpProxyConnector(proxy: ProxySpec, o: ConnectOptions): Connector {
  const origin = `${proxy.scheme}://${proxy.host.includes(':') ? `[${proxy.host}]` : proxy.host}:${proxy.port}`;
  const client = new Client(origin, { connect: tlsOptions(o) });
  const auth =
    proxy.username !== undefined
      ? `Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`).toString('base64')}`
      : undefined;
  return tunnelled(o, async (host, port) => {
    const authority = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const { socket, statusCode } = await client.connect({
      path: authority,
      headers: { host: authority, ...(auth ? { 'proxy-authorization': auth } : {}) },
    });
    if (statusCode !== 200) {
      socket.destroy();
      const err: NodeJS.ErrnoException = new Error(
        `proxy ${proxy.display} answered ${statusCode} to CONNECT ${authority}`,
      );
      err.code = statusCode === 407 ? 'EPROXYAUTH' : 'ECONNREFUSED';
      throw err;
    }
    return socket as Socket;
  });
}
