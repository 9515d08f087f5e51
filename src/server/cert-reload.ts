// The served certificate follows its files: when the certificate, key or client CA changes,
// the new set is checked and swapped in on every TLS listener; a bad set (a key not yet
// written beside its new certificate) is logged and the previous one keeps serving.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { tlsProblem, type TlsConfig } from '../config/tls.js';
import { pollFiles } from '../util/poll-files.js';
import type { SecureServing } from './tls-server.js';

export interface CertificateFacts {
  subject: string;
  serial: string;
  /** When it expires, ms since the epoch. */
  notAfter: number;
}

export function certificateFacts(pem: string): CertificateFacts {
  const x = new X509Certificate(pem);
  return {
    subject: x.subject.replace(/\n/g, ', '),
    serial: x.serialNumber,
    notAfter: Date.parse(x.validTo),
  };
}

const DAY_MS = 86_400_000;

/** Logs the certificate in service, loudly when it has expired or expires within 14 days. */
export function logCertificate(log: Logger, facts: CertificateFacts, message: string): void {
  const days = Math.floor((facts.notAfter - Date.now()) / DAY_MS);
  const fields = { ...facts, notAfter: new Date(facts.notAfter).toISOString(), days };
  if (days < 0) log.error(fields, `${message}; it has EXPIRED, clients will refuse it`);
  else if (days < 14) log.warn(fields, `${message}; it expires in ${days} days`);
  else log.info(fields, message);
}

/** Starts watching the files; returns the stop function. */
export function reloadCertificates(
  tls: TlsConfig,
  servers: readonly SecureServing[],
  log: Logger,
  loaded: (facts: CertificateFacts) => void,
): () => void {
  const files = { cert: tls.cert.path, key: tls.key.path, ca: tls.ca?.path };
  const paths = Object.values(files).filter((p): p is string => p !== undefined);
  return pollFiles(paths, () => {
    const read: Partial<Record<'cert' | 'key' | 'ca', { path: string; pem: string }>> = {};
    for (const [key, path] of Object.entries(files) as Array<['cert' | 'key' | 'ca', string]>) {
      if (path === undefined) continue;
      try {
        read[key] = { path, pem: readFileSync(path, 'utf8') };
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
        log.warn(
          { file: path, code },
          `cannot read server.tls.${key}; the previous certificate keeps serving`,
        );
        return;
      }
    }
    const fresh = read as {
      cert: { path: string; pem: string };
      key: { path: string; pem: string };
    };
    const problem = tlsProblem({ ...fresh, ca: read.ca });
    if (problem) {
      const key = `server.tls.${problem.path.join('.')}`;
      log.warn(`${key}: ${problem.message}; the previous certificate keeps serving`);
      return;
    }
    for (const s of servers)
      s.setCertificate({ cert: fresh.cert.pem, key: fresh.key.pem, ca: read.ca?.pem });
    const facts = certificateFacts(fresh.cert.pem);
    logCertificate(log, facts, 'TLS certificate reloaded');
    loaded(facts);
  });
}
