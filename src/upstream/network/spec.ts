// Outbound network settings as written in config, env and flags: the proxy URL schemes Trove
// speaks and the DNS server forms (plain IP, udp://, tls:// for DoT, quic:// for DoQ, https://
// for DoH).
import { isIP } from 'node:net';

export type ProxyScheme = 'http' | 'https' | 'socks5' | 'socks5h';

export interface ProxySpec {
  scheme: ProxyScheme;
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** The URL as configured, for logs; credentials masked. */
  display: string;
  /** The URL as configured, credentials included (for tools such as git). */
  url: string;
}

export type DnsSpec =
  | { kind: 'udp'; host: string; port: number }
  | { kind: 'tls'; host: string; port: number }
  | { kind: 'quic'; host: string; port: number }
  | { kind: 'https'; url: string; json: boolean };

const DEFAULT_PROXY_PORT: Record<ProxyScheme, number> = {
  http: 80,
  https: 443,
  socks5: 1080,
  socks5h: 1080,
};

/** Parses a proxy URL; returns the reason as a string when it is not usable. */
export function parseProxy(text: string): ProxySpec | string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `"${text}" is not a URL (use http://, https://, socks5:// or socks5h://)`;
  }
  const scheme = u.protocol.slice(0, -1);
  if (!(scheme in DEFAULT_PROXY_PORT)) {
    return `unsupported proxy scheme "${scheme}:" (use http://, https://, socks5:// or socks5h://)`;
  }
  if (!u.hostname) return `"${text}" has no host`;
  const s = scheme as ProxyScheme;
  const masked = u.password ? text.replace(`:${u.password}@`, ':***@') : text;
  return {
    scheme: s,
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : DEFAULT_PROXY_PORT[s],
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    display: masked,
    url: text,
  };
}

function hostPort(text: string, defaultPort: number): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/]+))(?::(\d{1,5}))?$/.exec(text);
  if (!m) return null;
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (port < 1 || port > 65535) return null;
  return { host: (m[1] ?? m[2]) as string, port };
}

/**
 * Parses a DNS server: "8.8.8.8", "8.8.8.8:53" or "udp://…" (port 53), "tls://…" (DNS over TLS,
 * port 853), "https://…/dns-query" (RFC 8484) or "https+json://…/resolve" (the JSON API).
 */
export function parseDns(text: string): DnsSpec | string {
  const scheme = /^([a-z0-9+]+):\/\//.exec(text)?.[1];
  if (scheme === 'quic') {
    const hp = hostPort(text.slice('quic://'.length), 853);
    if (!hp) return `"${text}" is not a DNS server (use e.g. quic://dns.adguard-dns.com)`;
    if (isIP(hp.host)) {
      return `"${text}": DNS over QUIC needs the server's name (quic://dns.example), not an address: its certificate is checked by name`;
    }
    return { kind: 'quic', ...hp };
  }
  if (scheme === 'https' || scheme === 'https+json') {
    try {
      const u = new URL(text.replace(/^https\+json:/, 'https:'));
      return { kind: 'https', url: u.toString(), json: scheme === 'https+json' };
    } catch {
      return `"${text}" is not a URL`;
    }
  }
  if (scheme !== undefined && scheme !== 'udp' && scheme !== 'tls') {
    return `unsupported DNS scheme "${scheme}://" (use udp://, tls://, quic://, https:// or https+json://)`;
  }
  const kind = scheme === 'tls' ? 'tls' : 'udp';
  const hp = hostPort(scheme ? text.slice(scheme.length + 3) : text, kind === 'tls' ? 853 : 53);
  if (!hp)
    return `"${text}" is not a DNS server (use e.g. 8.8.8.8, udp://1.1.1.1:53, tls://1.1.1.1)`;
  return { kind, ...hp };
}
