// HTTPS listeners: HTTP/2 and HTTP/1.1 on one port chosen by ALPN (or HTTP/1.1 only), TLS 1.2
// or later, optional client certificates, and a certificate that can be swapped while serving.
import type { ServerResponse } from 'node:http';
import { createSecureServer, type Http2Session } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import type { SecureContextOptions, TLSSocket } from 'node:tls';
import type { TlsConfig } from '../config/tls.js';
import { fromHttp2 } from './h2-compat.js';
import { HTTP1_OPTIONS, tracked, type Handler, type Serving } from './listeners.js';

/** A listener whose certificate can change. */
export interface SecureServing extends Serving {
  setCertificate(pem: { cert: string; key: string; ca?: string | undefined }): void;
}

/** Idle HTTP/2 connections close (GOAWAY) after this long, like HTTP/1.1 keep-alive. */
const SESSION_IDLE_MS = 65_000;

function contextOptions(
  tls: TlsConfig,
  pem: { cert: string; key: string; ca?: string | undefined },
): SecureContextOptions {
  return {
    cert: pem.cert,
    key: pem.key,
    ...(pem.ca ? { ca: pem.ca } : {}),
    minVersion: tls.min_version,
  };
}

export function tlsServer(
  handler: Handler,
  track: Set<ServerResponse>,
  tls: TlsConfig,
): SecureServing {
  const serve = tracked(handler, track);
  const options = {
    ...contextOptions(tls, { cert: tls.cert.pem, key: tls.key.pem, ca: tls.ca?.pem }),
    requestCert: tls.client_certs !== 'none',
    rejectUnauthorized: tls.client_certs === 'required',
  };
  const sockets = new Set<TLSSocket>();
  const sessions = new Set<Http2Session>();
  const server = tls.http2
    ? createSecureServer({ ...options, allowHTTP1: true }, (req, res) => {
        if (req.httpVersionMajor !== 2) return void serve(req as never, res as never);
        const h1 = fromHttp2(req, res);
        void serve(h1.req, h1.res);
      })
    : createHttpsServer({ ...options, ...HTTP1_OPTIONS, ALPNProtocols: ['http/1.1'] }, (q, s) => {
        void serve(q, s);
      });
  if (tls.http2) {
    // HTTP/1.1 connections on an HTTP/2 server read these from the server.
    Object.assign(server, HTTP1_OPTIONS);
    server.on('session', (session: Http2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
      session.setTimeout(SESSION_IDLE_MS, () => session.close());
    });
  }
  server.on('secureConnection', (socket: TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return {
    server,
    scheme: 'https',
    closeIdle() {
      (server as { closeIdleConnections?(): void }).closeIdleConnections?.();
      // GOAWAY: streams in flight finish, no new ones start.
      for (const s of sessions) s.close();
    },
    closeAll() {
      for (const s of sessions) s.destroy();
      for (const s of sockets) s.destroy();
    },
    setCertificate(pem) {
      server.setSecureContext(contextOptions(tls, pem));
    },
  };
}
