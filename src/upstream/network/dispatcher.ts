// The one undici Agent every upstream request goes through. Per origin it picks a connector:
// direct, or through the configured proxy for that scheme unless no_proxy names the host.
import { Agent, Pool, type Dispatcher } from 'undici';
import {
  directConnector,
  httpProxyConnector,
  socksConnector,
  type ConnectOptions,
} from './connectors.js';
import { createResolver } from './dns/index.js';
import type { DnsResolver } from './dns/resolver.js';
import type { DnsSpec, ProxySpec } from './spec.js';

export interface UpstreamTimeouts {
  connectMs: number;
  headersMs: number;
  /** Longest silence between body chunks; there is deliberately no total timeout. */
  idleMs: number;
}

export interface NetworkSettings {
  proxy?: { http?: ProxySpec | undefined; https?: ProxySpec | undefined } | undefined;
  noProxy?: readonly string[];
  dns?: DnsSpec | undefined;
  ca?: string | undefined;
}

/** no_proxy entries: "*", exact names or IPs, ".suffix" or "suffix" domains; ports ignored. */
export function bypassesProxy(host: string, noProxy: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return noProxy.some((raw) => {
    const e = raw.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (e === '*') return true;
    const bare = e.replace(/^\*?\./, '');
    return h === bare || h.endsWith(`.${bare}`);
  });
}

export interface Network {
  dispatcher: Dispatcher;
  close(): Promise<void>;
}

export function createNetwork(t: UpstreamTimeouts, net: NetworkSettings = {}): Network {
  const resolver: DnsResolver | undefined = net.dns ? createResolver(net.dns, net.ca) : undefined;
  const o: ConnectOptions = { timeoutMs: t.connectMs, resolver, ca: net.ca };
  const direct = directConnector(o);
  const viaProxy = new Map<ProxySpec, ReturnType<typeof directConnector>>();
  const connectorFor = (origin: URL) => {
    const proxy = origin.protocol === 'https:' ? net.proxy?.https : net.proxy?.http;
    if (!proxy || bypassesProxy(origin.hostname, net.noProxy ?? [])) return direct;
    let c = viaProxy.get(proxy);
    if (!c) {
      c = proxy.scheme.startsWith('socks')
        ? socksConnector(proxy, o)
        : httpProxyConnector(proxy, o);
      viaProxy.set(proxy, c);
    }
    return c;
  };
  const agent = new Agent({
    connect: direct,
    headersTimeout: t.headersMs,
    bodyTimeout: t.idleMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: 128,
    factory: (origin, opts) => {
      const url = new URL(String(origin));
      return new Pool(url.origin, { ...opts, connect: connectorFor(url) });
    },
  });
  return {
    dispatcher: agent,
    async close() {
      resolver?.close?.();
      await agent.close();
    },
  };
}
