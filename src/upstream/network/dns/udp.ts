// Plain DNS over UDP (with the resolver's own TCP fallback for truncated answers), through
// Node's c-ares Resolver pointed at one server.
import { Resolver } from 'node:dns/promises';
import type { Answer, DnsResolver } from './resolver.js';

const MISSING = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

export class UdpResolver implements DnsResolver {
  readonly #r: Resolver;

  constructor(host: string, port: number, timeoutMs = 5000) {
    this.#r = new Resolver({ timeout: timeoutMs, tries: 2 });
    this.#r.setServers([host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`]);
  }

  async resolve(hostname: string): Promise<Answer> {
    const soft = <T>(p: Promise<T[]>): Promise<T[]> =>
      p.catch((err: NodeJS.ErrnoException) => {
        if (err.code && MISSING.has(err.code)) return [];
        throw err;
      });
    const [v4, v6] = await Promise.all([
      soft(this.#r.resolve4(hostname, { ttl: true })),
      soft(this.#r.resolve6(hostname, { ttl: true })),
    ]);
    const all = [
      ...v4.map((r) => ({ address: r.address, family: 4 as const, ttl: r.ttl })),
      ...v6.map((r) => ({ address: r.address, family: 6 as const, ttl: r.ttl })),
    ];
    return {
      addresses: all.map(({ address, family }) => ({ address, family })),
      ttl: all.length ? Math.min(...all.map((a) => a.ttl)) : 30,
    };
  }

  close(): void {
    this.#r.cancel();
  }
}
