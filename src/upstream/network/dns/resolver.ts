// Custom DNS for upstream connections: a resolver interface, a TTL cache in front of it, and the
// `lookup` function net.connect and tls.connect call (undici passes it through).
import { isIP, type LookupFunction } from 'node:net';

export interface Address {
  address: string;
  family: 4 | 6;
}

export interface Answer {
  addresses: Address[];
  /** Seconds the answer may be reused. */
  ttl: number;
}

export interface DnsResolver {
  /** A and AAAA records for a name; an empty list means the name does not exist. */
  resolve(hostname: string): Promise<Answer>;
  close?(): void;
}

const MIN_TTL = 5;
const MAX_TTL = 300;

/** Caches answers for their TTL (clamped to 5 s – 5 min) and shares lookups in flight. */
export class CachingResolver implements DnsResolver {
  readonly #inner: DnsResolver;
  readonly #cache = new Map<string, { answer: Answer; until: number }>();
  readonly #pending = new Map<string, Promise<Answer>>();

  constructor(inner: DnsResolver) {
    this.#inner = inner;
  }

  async resolve(hostname: string): Promise<Answer> {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    const hit = this.#cache.get(name);
    if (hit && hit.until > Date.now()) return hit.answer;
    let p = this.#pending.get(name);
    if (!p) {
      p = this.#inner.resolve(name).finally(() => this.#pending.delete(name));
      this.#pending.set(name, p);
    }
    const answer = await p;
    const ttl = Math.min(MAX_TTL, Math.max(MIN_TTL, answer.ttl));
    if (this.#cache.size > 10_000) this.#cache.clear();
    this.#cache.set(name, { answer, until: Date.now() + ttl * 1000 });
    return answer;
  }

  close(): void {
    this.#inner.close?.();
  }
}

function notFound(hostname: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  err.code = 'ENOTFOUND';
  err.syscall = 'getaddrinfo';
  return err;
}

/** Addresses for a host, IP literals and localhost answered without asking anyone. */
export async function addressesOf(resolver: DnsResolver, hostname: string): Promise<Address[]> {
  const bare = hostname.replace(/^\[|\]$/g, '');
  const ip = isIP(bare);
  if (ip) return [{ address: bare, family: ip as 4 | 6 }];
  if (bare === 'localhost') return [{ address: '127.0.0.1', family: 4 }];
  const { addresses } = await resolver.resolve(bare);
  if (addresses.length === 0) throw notFound(bare);
  return addresses;
}

/** A Node `lookup` function backed by the resolver (honours `family` and `all`). */
export function lookupFunction(resolver: DnsResolver): LookupFunction {
  return ((hostname: string, options: unknown, callback: unknown) => {
    const opts = (typeof options === 'object' && options !== null ? options : {}) as {
      family?: number | string;
      all?: boolean;
    };
    const cb = (typeof options === 'function' ? options : callback) as (
      err: NodeJS.ErrnoException | null,
      address?: string | Address[],
      family?: number,
    ) => void;
    const family =
      opts.family === 'IPv4' ? 4 : opts.family === 'IPv6' ? 6 : Number(opts.family ?? 0);
    addressesOf(resolver, hostname).then(
      (all) => {
        const wanted = family === 4 || family === 6 ? all.filter((a) => a.family === family) : all;
        if (wanted.length === 0) return cb(notFound(hostname));
        if (opts.all) return cb(null, wanted);
        const first = wanted[0] as Address;
        cb(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => cb(err),
    );
  }) as LookupFunction;
}
