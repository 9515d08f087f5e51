// The servers clients talk to: the main listener and one per instance with `bind`; HTTPS with
// HTTP/2 when `server.tls` is set, with the certificate followed on disk.
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { TlsConfig } from '../config/tls.js';
import type { Metrics } from '../observability/metrics.js';
import {
  certificateFacts,
  logCertificate,
  reloadCertificates,
  type CertificateFacts,
} from '../server/cert-reload.js';
import { httpServer, type Handler, type Serving } from '../server/listeners.js';
import { tlsServer } from '../server/tls-server.js';

export interface ClientServers {
  servings: Serving[];
  /** Stops following the certificate files. */
  stop(): void;
}

export function clientServers(
  handlers: readonly Handler[],
  inFlight: Set<ServerResponse>,
  tls: TlsConfig | undefined,
  log: Logger,
  metrics: Metrics,
): ClientServers {
  if (!tls) return { servings: handlers.map((h) => httpServer(h, inFlight)), stop: () => {} };
  const servings = handlers.map((h) => tlsServer(h, inFlight, tls));
  const loaded = (facts: CertificateFacts): void => {
    metrics.tlsCertificateExpiry.set(Math.floor(facts.notAfter / 1000));
  };
  const facts = certificateFacts(tls.cert.pem);
  logCertificate(log, facts, 'TLS certificate loaded');
  loaded(facts);
  return { servings, stop: reloadCertificates(tls, servings, log, loaded) };
}
