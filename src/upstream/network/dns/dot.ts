// DNS over TLS (RFC 7858): one TLS connection per lookup carrying the A and AAAA queries, each
// message framed by a two-byte length (RFC 1035 §4.2.2).
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { Answer, DnsResolver } from './resolver.js';
import { decodeAnswer, encodeQuery, framed, merge } from './wire.js';

export class DotResolver implements DnsResolver {
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ca: string | undefined,
    private readonly timeoutMs = 5000,
  ) {}

  resolve(hostname: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const socket: TLSSocket = connect({
        host: this.host,
        port: this.port,
        ...(isIP(this.host) ? {} : { servername: this.host }),
        ...(this.ca ? { ca: this.ca } : {}),
      });
      const fail = (err: Error): void => {
        socket.destroy();
        reject(err);
      };
      socket.setTimeout(this.timeoutMs, () =>
        fail(new Error(`DNS over TLS to ${this.host}:${this.port} timed out`)),
      );
      socket.once('error', fail);
      const answers: Answer[] = [];
      let buf = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          const len = buf.readUInt16BE(0);
          try {
            answers.push(decodeAnswer(buf.subarray(2, 2 + len), hostname));
          } catch (err) {
            return fail(err as Error);
          }
          buf = buf.subarray(2 + len);
        }
        if (answers.length === 2) {
          socket.end();
          resolve(merge(answers));
        }
      });
      socket.once('secureConnect', () => {
        for (const [i, type] of (['A', 'AAAA'] as const).entries()) {
          socket.write(framed(encodeQuery(hostname, type, i + 1)));
        }
      });
    });
  }
}
