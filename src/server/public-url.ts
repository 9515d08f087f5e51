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

export function requestOrigin(
  req: IncomingMessage,
  publicUrl: string | undefined,
  trusted: BlockList | null,
): string {
  if (publicUrl) return publicUrl.replace(/\/+$/, '');
  let proto = 'http';
  let host = req.headers.host ?? 'localhost';
  const peer = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (trusted && peer && trusted.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4')) {
    const fp = first(req.headers['x-forwarded-proto']);
    const fh = first(req.headers['x-forwarded-host']);
    if (fp === 'http' || fp === 'https') proto = fp;
    if (fh && /^[A-Za-z0-9.:[\]-]+$/.test(fh)) host = fh;
  }
  return `${proto}://${host}`;
}
