// DNS over HTTPS: RFC 8484 (GET with ?dns=<base64url wire query>, application/dns-message), or
// the JSON API many resolvers offer (?name=…&type=A, application/dns-json).
import { Agent, request } from 'undici';
import type { Address, Answer, DnsResolver } from './resolver.js';
import { decodeAnswer, encodeQuery, merge, type RecordType } from './wire.js';

interface JsonAnswer {
  Status?: number;
  Answer?: Array<{ type: number; data: string; TTL?: number }>;
}

export class DohResolver implements DnsResolver {
  readonly #agent: Agent;

  constructor(
    private readonly url: string,
    private readonly json: boolean,
    ca: string | undefined,
    timeoutMs = 5000,
  ) {
    this.#agent = new Agent({
      connect: { timeout: timeoutMs, ...(ca ? { ca } : {}) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  async resolve(hostname: string): Promise<Answer> {
    const types: RecordType[] = ['A', 'AAAA'];
    return merge(await Promise.all(types.map((t) => this.#query(hostname, t))));
  }

  async #query(hostname: string, type: RecordType): Promise<Answer> {
    const u = new URL(this.url);
    if (this.json) {
      u.searchParams.set('name', hostname);
      u.searchParams.set('type', type);
    } else {
      u.searchParams.set('dns', encodeQuery(hostname, type, 0).toString('base64url'));
    }
    const accept = this.json ? 'application/dns-json' : 'application/dns-message';
    const res = await request(u, { dispatcher: this.#agent, headers: { accept } });
    const body = Buffer.from(await res.body.arrayBuffer());
    if (res.statusCode !== 200) {
      throw new Error(`DNS over HTTPS ${u.origin} answered ${res.statusCode} for ${hostname}`);
    }
    return this.json ? fromJson(body, hostname) : decodeAnswer(body, hostname);
  }

  close(): void {
    void this.#agent.close();
  }
}

function fromJson(body: Buffer, hostname: string): Answer {
  const j = JSON.parse(body.toString('utf8')) as JsonAnswer;
  if (j.Status !== undefined && j.Status !== 0 && j.Status !== 3) {
    throw new Error(`DNS over HTTPS answered status ${j.Status} for ${hostname}`);
  }
  const addresses: Address[] = [];
  let ttl = Number.POSITIVE_INFINITY;
  for (const a of j.Answer ?? []) {
    if (a.type !== 1 && a.type !== 28) continue;
    addresses.push({ address: a.data, family: a.type === 1 ? 4 : 6 });
    ttl = Math.min(ttl, a.TTL ?? 30);
  }
  return { addresses, ttl: Number.isFinite(ttl) ? ttl : 30 };
}
