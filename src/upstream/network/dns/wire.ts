// DNS wire format (RFC 1035) for DoT, DoQ and DoH, through dns-packet: build A/AAAA queries,
// frame them by length, and read their answers.
import dnsPacket from 'dns-packet';
import type { Address, Answer } from './resolver.js';

export type RecordType = 'A' | 'AAAA';

export function encodeQuery(hostname: string, type: RecordType, id: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name: hostname, class: 'IN' }],
  });
}

/** The addresses (and the smallest TTL) in a response; throws on a server failure. */
export function decodeAnswer(buf: Buffer, hostname: string): Answer {
  const packet = dnsPacket.decode(buf);
  const rcode = (packet as { rcode?: string }).rcode ?? 'NOERROR';
  if (rcode !== 'NOERROR' && rcode !== 'NXDOMAIN') {
    throw new Error(`DNS server answered ${rcode} for ${hostname}`);
  }
  const addresses: Address[] = [];
  let ttl = Number.POSITIVE_INFINITY;
  for (const a of packet.answers ?? []) {
    if (a.type !== 'A' && a.type !== 'AAAA') continue;
    addresses.push({ address: a.data, family: a.type === 'A' ? 4 : 6 });
    ttl = Math.min(ttl, a.ttl ?? 30);
  }
  return { addresses, ttl: Number.isFinite(ttl) ? ttl : 30 };
}

/** A message framed by its two-byte length, as DNS over TCP, TLS and QUIC send it. */
export function framed(msg: Buffer): Buffer {
  const out = Buffer.alloc(2 + msg.length);
  out.writeUInt16BE(msg.length, 0);
  msg.copy(out, 2);
  return out;
}

export function merge(answers: Answer[]): Answer {
  return {
    addresses: answers.flatMap((a) => a.addresses),
    ttl: Math.min(...answers.map((a) => a.ttl)),
  };
}
