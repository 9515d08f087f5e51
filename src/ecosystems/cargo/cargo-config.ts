// The `cargo` instance schema: the sparse index URLs tried in order, and how long index files
// are served before the registry is asked again.
import { z } from 'zod';
import { busyPolicy, duration, instanceBase, size, upstreamEntry } from '../../config/types.js';

export const cargoSchema = z
  .object({
    type: z.literal('cargo'),
    ...instanceBase,
    /**
     * Sparse index roots (where `config.json` lives), tried in order (next on connect failures
     * and 5xx). A private registry's token goes in `auth: {token: …}`, sent as cargo sends it.
     */
    upstreams: z
      .array(upstreamEntry)
      .min(1, 'needs at least one upstream')
      .default([{ url: 'https://index.crates.io/', headers: {} }]),
    /** How long an index file is served before the registry is asked again (crates.io's CDN: 1m). */
    fresh_for: duration.default('1m'),
    busy_policy: busyPolicy.default('stale'),
    /** How long "no such crate" is remembered. */
    negative_ttl: duration.default('1m'),
    /** Drop cached objects not read for this long. */
    expire_after: duration.optional(),
    max_index_size: size.default('64MiB'),
    max_crate_size: size.default('1GiB'),
    /**
     * Send each client's own token upstream instead of one configured token (registries with
     * `auth-required`). What is cached is served to a client only once the registry has
     * accepted that client's token, asked again after `access_cache_for`.
     */
    passthrough: z.boolean().default(false),
    access_cache_for: duration.default('1m'),
  })
  .strict()
  .superRefine((cfg, ctx) => {
    if (!cfg.passthrough) return;
    cfg.upstreams.forEach((u, i) => {
      if (u.auth) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['upstreams', i, 'auth'],
          message: 'passthrough sends each client its own token: remove auth',
        });
      }
    });
  });

export type CargoConfig = z.output<typeof cargoSchema>;
