// DNS over QUIC (RFC 9250): ALPN "doq", one query per bidirectional stream, framed by a two-byte
// length, with message ID 0; one connection reused across lookups and opened again when it
// fails. Node 20 has no QUIC: it comes from @matrixai/quic (Cloudflare's quiche through N-API,
// with a prebuilt linux-x64 binary), an optional dependency loaded on first use. quiche checks
// the server's certificate by name only, so the server is given by name (quic://dns.example).
import { randomFillSync } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { rootCertificates } from 'node:tls';
import type { DnsResolver, Answer } from './resolver.js';
import { decodeAnswer, encodeQuery, framed, merge, type RecordType } from './wire.js';

/** The part of @matrixai/quic used here. */
interface QuicStream {
  readable: AsyncIterable<Uint8Array>;
  writable: { getWriter(): { write(b: Uint8Array): Promise<void>; close(): Promise<void> } };
}
interface QuicClient {
  connection: { newStream(type: 'bidi'): QuicStream };
  closed?: boolean;
  destroy(opts?: { force?: boolean }): Promise<void>;
}
interface QuicModule {
  QUICClient: { createQUICClient(opts: Record<string, unknown>): Promise<QuicClient> };
}

let quic: Promise<QuicModule> | undefined;

function loadQuic(): Promise<QuicModule> {
  quic ??= (import('@matrixai/quic' as string) as Promise<QuicModule>).catch((err: unknown) => {
    quic = undefined;
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(
      `DNS over QUIC needs the optional package @matrixai/quic, which could not be loaded (${why}); run npm install @matrixai/quic, or use tls:// or https://`,
    );
  });
  return quic;
}

/** Quiet: @matrixai/logger writes INFO lines to stderr by default. */
const silent = { info() {}, warn() {}, error() {}, debug() {}, getChild: () => silent };

export class DoqResolver implements DnsResolver {
  #client: Promise<QuicClient> | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ca: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  async resolve(hostname: string): Promise<Answer> {
    const client = await this.#connect();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`DNS over QUIC to ${this.host}:${this.port} timed out`)),
        this.timeoutMs,
      );
    });
    try {
      const asked = (['A', 'AAAA'] as const).map((t) => this.#ask(client, hostname, t));
      return merge(await Promise.race([Promise.all(asked), late]));
    } catch (err) {
      this.#drop(client);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    const client = this.#client;
    this.#client = undefined;
    void client?.then((c) => c.destroy({ force: true })).catch(() => undefined);
  }

  #connect(): Promise<QuicClient> {
    this.#client ??= this.#open().catch((err: unknown) => {
      this.#client = undefined;
      throw err;
    });
    return this.#client.then((c) => {
      if (!c.closed) return c;
      this.#client = undefined;
      return this.#connect();
    });
  }

  async #open(): Promise<QuicClient> {
    const { QUICClient } = await loadQuic();
    const found = await lookup(this.host, { all: true });
    const address = (found.find((a) => a.family === 4) ?? found[0])?.address;
    if (!address) throw new Error(`DNS over QUIC: ${this.host} has no address`);
    return QUICClient.createQUICClient({
      host: address,
      port: this.port,
      serverName: this.host,
      crypto: {
        ops: {
          randomBytes: async (data: ArrayBuffer): Promise<void> => {
            randomFillSync(new Uint8Array(data));
          },
        },
      },
      config: {
        verifyPeer: true,
        ca: this.ca ?? rootCertificates.join('\n'),
        applicationProtos: ['doq'],
        maxIdleTimeout: 30_000,
      },
      logger: silent,
    });
  }

  async #ask(client: QuicClient, hostname: string, type: RecordType): Promise<Answer> {
    const stream = client.connection.newStream('bidi');
    const writer = stream.writable.getWriter();
    await writer.write(framed(encodeQuery(hostname, type, 0)));
    await writer.close();
    const parts: Buffer[] = [];
    for await (const chunk of stream.readable) parts.push(Buffer.from(chunk));
    const reply = Buffer.concat(parts);
    if (reply.length < 2 || reply.length < 2 + reply.readUInt16BE(0)) {
      throw new Error(`DNS over QUIC: a short answer for ${hostname} from ${this.host}`);
    }
    return decodeAnswer(reply.subarray(2, 2 + reply.readUInt16BE(0)), hostname);
  }

  #drop(client: QuicClient): void {
    this.#client = undefined;
    void client.destroy({ force: true }).catch(() => undefined);
  }
}
