// TLS clients for tests: HTTP/2 requests (node:http2) and the certificate a listener serves.
import { connect as h2connect, type IncomingHttpHeaders } from 'node:http2';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export interface TlsClientOptions {
  ca: string;
  cert?: string;
  key?: string;
}

export interface H2Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP/2 request on a connection of its own. */
export function h2get(
  url: string,
  tls: TlsClientOptions,
  headers: Record<string, string> = {},
): Promise<H2Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const session = h2connect(u.origin, { ...tls, servername: 'localhost' });
    session.on('error', reject);
    const stream = session.request({ ':path': `${u.pathname}${u.search}`, ...headers });
    const parts: Buffer[] = [];
    let head: IncomingHttpHeaders = {};
    stream.on('response', (h) => (head = h));
    stream.on('data', (c: Buffer) => parts.push(c));
    stream.on('error', reject);
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(head[':status']), headers: head, body: Buffer.concat(parts) });
    });
    stream.end();
  });
}

/** The serial number of the certificate a TLS listener presents (upper-case hex). */
export function servedSerial(url: string, tls: TlsClientOptions): Promise<string> {
  const u = new URL(url);
  const options: ConnectionOptions = {
    ...tls,
    host: u.hostname,
    port: Number(u.port),
    servername: 'localhost',
  };
  return new Promise((resolve, reject) => {
    const socket = tlsConnect(options, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.end();
      resolve(serial.toUpperCase());
    });
    socket.on('error', reject);
  });
}
