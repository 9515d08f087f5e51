// A TLS-terminating reverse proxy on 127.0.0.1:0 in front of a plain-HTTP Trove, for clients
// that send credentials only over HTTPS (the go command). It adds X-Forwarded-Proto/Host/For,
// so a Trove that trusts 127.0.0.1 writes https URLs.
import { request } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selfSignedCert } from './net-fixtures.js';

export interface TlsFront {
  url: string;
  /** The certificate's PEM file (SSL_CERT_FILE, a CA bundle). */
  caFile: string;
  stop(): Promise<void>;
}

export async function startTlsFront(target: string): Promise<TlsFront> {
  const cert = selfSignedCert(['localhost']);
  const caFile = join(mkdtempSync(join(tmpdir(), 'trove-tls-front-')), 'ca.pem');
  writeFileSync(caFile, cert.cert);
  const to = new URL(target);
  const server: Server = createServer(cert, (req, res) => {
    const up = request(
      {
        host: to.hostname,
        port: to.port,
        method: req.method,
        path: req.url,
        headers: {
          ...req.headers,
          'x-forwarded-proto': 'https',
          'x-forwarded-host': req.headers.host ?? '',
          'x-forwarded-for': req.socket.remoteAddress ?? '',
        },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    caFile,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
