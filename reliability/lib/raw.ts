// One raw HTTP exchange over a fresh socket: send bytes, collect the answer until the server
// closes or a deadline passes. For request shapes no HTTP client library would send.
import { connect } from 'node:net';

export interface RawAnswer {
  /** Status codes of every response seen (several when a request was split or pipelined). */
  statuses: number[];
  text: string;
  bytes: number;
}

export function exchange(port: number, request: Buffer | string, ms = 3000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    let bytes = 0;
    const done = (): void => {
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(parts).toString('latin1');
      const statuses = [...text.matchAll(/(?:^|\r\n)HTTP\/1\.[01] (\d{3}) /g)].map((m) =>
        Number(m[1]),
      );
      resolve({ statuses, text, bytes });
    };
    const timer = setTimeout(done, ms);
    sock.on('data', (c: Buffer) => {
      bytes += c.length;
      if (bytes < 1_000_000) parts.push(c);
    });
    sock.on('close', done);
    sock.on('error', done);
    sock.write(request);
  });
}
