// Builds the resolver a DNS spec names, cached by TTL.
import type { DnsSpec } from '../spec.js';
import { DohResolver } from './doh.js';
import { DoqResolver } from './doq.js';
import { DotResolver } from './dot.js';
import { CachingResolver, type DnsResolver } from './resolver.js';
import { UdpResolver } from './udp.js';

export function createResolver(spec: DnsSpec, ca: string | undefined): DnsResolver {
  switch (spec.kind) {
    case 'udp':
      return new CachingResolver(new UdpResolver(spec.host, spec.port));
    case 'tls':
      return new CachingResolver(new DotResolver(spec.host, spec.port, ca));
    case 'quic':
      return new CachingResolver(new DoqResolver(spec.host, spec.port, ca));
    case 'https':
      return new CachingResolver(new DohResolver(spec.url, spec.json, ca));
  }
}
