// The configuration schema. Instance schemas come from the ecosystem registry, keyed by `type`.
import { z } from 'zod';
import { mountPaths, type InstanceCommon } from '../ecosystems/ecosystem.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import { networkConfig } from './network.js';
import { accessConfig } from '../access/config.js';
import { tlsConfig } from './tls.js';
import {
  blobsDriver,
  checkRedirect,
  checkReplicas,
  indexDriver,
  replicasConfig,
} from './storage-drivers.js';
import { duration, httpUrl, listenAddress, secret, size, workerCount } from './types.js';

const cidr = z
  .string()
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP address or CIDR range (e.g. 10.0.0.0/8)');

export function buildSchema(registry: EcosystemRegistry) {
  const types = registry.all();
  const names = types.map((t) => t.type);
  const instance = z.unknown().transform((v, ctx) => {
    const type = (v as { type?: unknown } | null)?.type;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a mapping' });
      return z.NEVER;
    }
    if (typeof type !== 'string' || !names.includes(type)) {
      const message = `must be one of: ${names.join(', ')}`;
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['type'], message });
      return z.NEVER;
    }
    const parsed = registry.get(type).schema.safeParse(v);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue(issue as z.IssueData);
      return z.NEVER;
    }
    return parsed.data as { type: string } & Record<string, unknown>;
  });

  return z
    .object({
      server: z
        .object({
          listen: listenAddress.default('0.0.0.0:12345'),
          public_url: httpUrl.optional(),
          trusted_proxies: z.array(cidr).default([]),
          shutdown_timeout: duration.default('30s'),
          /** Worker processes sharing the listeners and the cache (`auto`: one per core). */
          workers: workerCount.default('auto'),
          /** What sealing keys derive from; else a random key kept in the index. */
          secret_key: secret.optional(),
          /** HTTPS (and HTTP/2) on the main listener and every instance's `bind` listener. */
          tls: tlsConfig.optional(),
        })
        .strict()
        .default({}),
      storage: z
        .object({
          dir: z.string().min(1).default('./cache'),
          max_size: size.optional(),
          index: indexDriver.default({ driver: 'sqlite' }),
          blobs: blobsDriver.default({ driver: 'fs' }),
          memory: z
            .object({
              max_bytes: size.default('64MiB'),
              max_object_size: size.default('64KiB'),
              /** Metadata (packuments, indexes) may be bigger: every install asks for it first. */
              max_metadata_size: size.default('1MiB'),
            })
            .strict()
            .default({}),
          gc_interval: duration.default('1h'),
          /** How long a blob no entry references stays (default: 0 on disk, 15m in a bucket). */
          delete_grace: duration.optional(),
          /** Which whole-body hits are hashed against their digest as they stream. */
          verify_hits: z.enum(['always', 'changed', 'off']).default('changed'),
          scrub: z
            .object({
              /** Time between background passes over every blob; 0 turns the scrub off. */
              interval: duration.default('7d'),
              /** Bytes re-hashed per second at most. */
              rate: size.default('32MiB'),
            })
            .strict()
            .default({}),
        })
        .strict()
        .default({}),
      upstream: z
        .object({
          connect_timeout: duration.default('5s'),
          header_timeout: duration.default('10s'),
          idle_timeout: duration.default('60s'),
          max_redirects: z.number().int().min(0).max(20).default(5),
          ...networkConfig,
        })
        .strict()
        .default({}),
      offline: z.boolean().default(false),
      log: z
        .object({
          level: z
            .enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])
            .default('info'),
        })
        .strict()
        .default({}),
      metrics: z
        .object({ enabled: z.boolean().default(true), token: secret.optional() })
        .strict()
        .default({}),
      /** The web UI at / and /ui/: a dashboard and a browser of what is cached. */
      ui: z
        .object({
          enabled: z.boolean().default(true),
          /** Allows admin actions (purge, refresh) without an `access` section. */
          admin_token: secret.optional(),
        })
        .strict()
        .default({}),
      replicas: replicasConfig,
      /** Client authentication and access rules; without it every client may read and fetch. */
      access: accessConfig.optional(),
      instances: z
        .record(
          z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'instance names use a-z, 0-9, _ and -'),
          instance,
        )
        .default({}),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      checkReplicas(cfg, ctx);
      checkRedirect(cfg.storage, ctx);
      const paths = new Map<string, string>();
      for (const [name, inst] of Object.entries(cfg.instances)) {
        // Runs even when an instance failed to parse (zod refines dirty objects): skip those.
        const common = inst as unknown as InstanceCommon | undefined;
        if (!common || !Array.isArray(common.hosts) || !names.includes(common.type)) continue;
        const hosts = common.hosts.length ? common.hosts : ['*'];
        for (const path of mountPaths(registry.get(common.type), name, common)) {
          for (const h of hosts) {
            const k = `${h.toLowerCase()} ${path || '/'}`;
            const other = paths.get(k);
            if (other) {
              ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ['instances', name, 'path'],
                message: `${path || '/'} is already served by instance "${other}"`,
              });
            }
            paths.set(k, name);
          }
        }
      }
    });
}

export type Config = z.output<ReturnType<typeof buildSchema>>;
