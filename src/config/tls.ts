// `server.tls`: the certificate the listeners serve, checked at load so a wrong pair or an
// unreadable file is a configuration error naming the key, not a failed handshake later.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import { pemFile } from './types.js';

export const tlsConfig = z
  .object({
    /** The certificate chain (leaf first), PEM. */
    cert: pemFile,
    /** Its private key, PEM. */
    key: pemFile,
    /** CA certificates that sign client certificates; turns on client certificate checks. */
    ca: pemFile.optional(),
    /** With `ca`: whether a client without a valid certificate is refused (`required`). */
    client_certs: z.enum(['required', 'optional']).optional(),
    min_version: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    /** Offer HTTP/2 by ALPN (HTTP/1.1 stays available to clients that do not ask for it). */
    http2: z.boolean().default(true),
  })
  .strict()
  .superRefine((t, ctx) => {
    const problem = tlsProblem(t);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, ...problem });
  })
  .transform((t) => ({ ...t, client_certs: t.ca ? (t.client_certs ?? 'required') : 'none' }));

export type TlsConfig = z.output<typeof tlsConfig>;

interface Pem {
  path: string;
  pem: string;
}

/** Why a certificate, key and CA cannot serve, and which key to blame; null when they can. */
export function tlsProblem(t: {
  cert: Pem;
  key: Pem;
  ca?: Pem | undefined;
  client_certs?: string | undefined;
}): { path: string[]; message: string } | null {
  const at = (key: 'cert' | 'key' | 'ca', file: Pem, why: string) => ({
    path: [key],
    message: `${file.path} ${why}`,
  });
  if (t.client_certs && !t.ca) {
    return {
      path: ['client_certs'],
      message: 'needs server.tls.ca (the CA of client certificates)',
    };
  }
  for (const [key, file] of [
    ['cert', t.cert],
    ['ca', t.ca],
  ] as const) {
    if (!file) continue;
    try {
      new X509Certificate(file.pem);
    } catch {
      return at(key, file, 'is not a PEM certificate');
    }
  }
  try {
    createSecureContext({ cert: t.cert.pem, key: t.key.pem });
  } catch (err) {
    const text = String((err as Error).message);
    return /key values mismatch/i.test(text)
      ? at('key', t.key, 'does not match the certificate in server.tls.cert')
      : at('key', t.key, `is not a usable private key (${text.replace(/^error:[0-9A-F]+:/i, '')})`);
  }
  return null;
}
