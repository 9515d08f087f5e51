// The outbound network keys of `upstream:`: proxy, no_proxy, dns and ca_file.
import { z } from 'zod';
import { pemFile, stringOr } from './types.js';
import { parseDns, parseProxy, type DnsSpec, type ProxySpec } from '../upstream/network/spec.js';

function parsed<T>(parse: (s: string) => T | string) {
  return z.string().transform((s, ctx): T => {
    const r = parse(s);
    if (typeof r === 'string') {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: r });
      return z.NEVER;
    }
    return r;
  });
}

const proxyUrl = parsed<ProxySpec>(parseProxy);

export const networkConfig = {
  /** One proxy for every upstream, or one per upstream URL scheme. */
  proxy: stringOr(
    proxyUrl.transform((p) => ({ http: p, https: p })),
    z.object({ http: proxyUrl.optional(), https: proxyUrl.optional() }).strict(),
  ).optional(),
  /** Hosts reached without the proxy: names, ".suffix" domains, IPs, or "*". */
  no_proxy: stringOr(z.string(), z.array(z.string()))
    .transform((v) =>
      (typeof v === 'string' ? v.split(',') : v).map((h) => h.trim().toLowerCase()).filter(Boolean),
    )
    .default([]),
  dns: parsed<DnsSpec>(parseDns).optional(),
  /** Extra PEM certificates trusted for upstream TLS, DNS over TLS and DNS over HTTPS. */
  ca_file: pemFile.optional(),
};
