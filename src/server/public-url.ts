// The public base URL of a request: `public_url` when configured; X-Forwarded-Proto/Host only
// when the peer is a trusted proxy; otherwise the Host header.
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export function trustList(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr = '', bits] = c.split('/');
    const type = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else list.addSubnet(addr, Number(bits), type);
  }
  return list;
}

function first(v: string | string[] | undefined): string | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  return s?.split(',')[0]?.trim() || undefined;
}

const bare = (addr: string): string => addr.replace(/^::ffff:/, '');

function isTrusted(trusted: BlockList | null, addr: string): boolean {
  return (
    trusted !== null && isIP(addr) !== 0 && trusted.check(addr, isIP(addr) === 6 ? 'ipv6' : 'ipv4')
  );
}

export function requestOrigin(
  req: IncomingMessage,
  publicUrl: string | undefined,
  trusted: BlockList | null,
): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  let proto = (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
  let host = req.headers.host ?? 'localhost';
  if (isTrusted(trusted, bare(req.socket.remoteAddress ?? ''))) {
    const fp = first(req.headers['x-forwarded-proto']);
    const fh = first(req.headers['x-forwarded-host']);
    if (fp === 'http' || fp === 'https') proto = fp;
    if (fh && /^[A-Za-z0-9.:[\]-]+$/.test(fh)) host = fh;
  }
  return `${proto}://${host}`;
}

/**
 * The client's address: the peer, or, when the peer is a trusted proxy, the nearest address in
 * X-Forwarded-For that is not one (proxies append, so the far end is the client's own claim).
 */
export function clientAddress(req: IncomingMessage, trusted: BlockList | null): string {
  const peer = bare(req.socket.remoteAddress ?? '');
  if (!isTrusted(trusted, peer)) return peer;
  const raw = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(raw) ? raw.join(',') : (raw ?? ''))
    .split(',')
    .map((h) => bare(h.trim()))
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--)
    if (!isTrusted(trusted, hops[i] as string)) return hops[i] as string;
  return hops[0] ?? peer;
}

/** The URL of a listener as asked from this machine: a wildcard address is asked on loopback. */
export function localUrl(scheme: 'http' | 'https', host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `${scheme}://${h.includes(':') ? `[${h}]` : h}:${port}`;
}
