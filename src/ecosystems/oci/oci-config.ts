// The `oci` instance schema: a registry mirror for many upstream registries.
import { z } from 'zod';
import {
  duration,
  httpUrl,
  instanceBase,
  secret,
  stringOr,
  upstreamEntry,
} from '../../config/types.js';

const hostName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$/, 'must be a registry host name, e.g. ghcr.io');

type Prefetch = boolean | { platforms: string[] };

const registry = stringOr(
  httpUrl.transform((url) => ({
    url,
    headers: {} as Record<string, string>,
    auth: undefined,
    passthrough: false,
    prefetch: false as Prefetch,
  })),
  z
    .object({
      url: httpUrl,
      headers: z.record(z.string()).default({}),
      auth: z
        .union([
          z.object({ username: z.string().min(1), password: secret }).strict(),
          z.object({ bearer: secret }).strict(),
        ])
        .optional(),
      /** Forward each client's own credentials instead of using Trove's (`auth`). */
      passthrough: z.boolean().default(false),
      /**
       * Fill an image's config and layers as soon as its manifest is fetched (for an index,
       * of `platforms`, or every platform for `true`).
       */
      prefetch: z
        .union([
          z.boolean(),
          z
            .object({
              platforms: z
                .array(
                  z.string().regex(/^[a-z0-9]+\/[a-z0-9]+(\/[a-z0-9.]+)?$/, 'like linux/amd64'),
                )
                .min(1),
            })
            .strict(),
        ])
        .default(false),
    })
    .strict()
    .superRefine((r, ctx) => {
      if (r.passthrough && r.auth) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['passthrough'],
          message: 'a registry uses either `auth` or `passthrough`, not both',
        });
      }
    }),
);

export const ociSchema = z
  .object({
    type: z.literal('oci'),
    ...instanceBase,
    /** Not used: each registry has its own upstream in `registries`. */
    upstreams: z.array(upstreamEntry).max(0, 'use `registries` for an oci instance').default([]),
    /** Upstream registries by the name clients use (docker.io, ghcr.io, …); added to the defaults. */
    registries: z.record(hostName, registry).default({}),
    default_registry: hostName.default('docker.io'),
    /** Host-based routing: <sub>.<custom_domain> picks a registry from `host_routes`. */
    custom_domain: z.string().min(1).optional(),
    host_routes: z.record(z.string().min(1), hostName).default({}),
    /** How long a tag's manifest is served before the upstream is asked again. */
    tag_fresh_for: duration.default('5m'),
    negative_ttl: duration.default('30s'),
    /** How long a passthrough registry's answer on a client's access to a repository is reused. */
    access_cache_for: duration.default('1m'),
    expire_after: duration.optional(),
  })
  .strict();

export type OciConfig = z.output<typeof ociSchema>;
