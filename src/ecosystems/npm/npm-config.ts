// The `npm` instance schema: ordered upstreams with failover, per-scope upstreams as `.npmrc`
// routes them, and how long packuments are served before the upstream is asked again.
import { z } from 'zod';
import { hostNpmRegistry } from '../../config/npm-registry.js';
import {
  busyPolicy,
  duration,
  httpUrl,
  instanceBase,
  size,
  upstreamEntry,
} from '../../config/types.js';

const scopeName = z.string().regex(/^@[a-z0-9][a-z0-9._~-]*$/i, 'must be an npm scope, e.g. @corp');

const upstreams = z.array(upstreamEntry).min(1, 'needs at least one upstream');

export const npmSchema = z
  .object({
    type: z.literal('npm'),
    ...instanceBase,
    /** Tried in order (next on connect failures and 5xx); the host's npm registry by default. */
    upstreams: upstreams.default(() => {
      const r = hostNpmRegistry();
      return r ? [{ url: r, headers: {} }] : [];
    }),
    /** `@scope` -> its own upstreams (and credentials), like `@scope:registry` in .npmrc. */
    scopes: z.record(scopeName, z.object({ upstreams }).strict()).default({}),
    /** How long a packument is served before the upstream is asked again. */
    fresh_for: duration.default('2m'),
    busy_policy: busyPolicy.default('stale'),
    /** How long "no such package" is remembered. */
    negative_ttl: duration.default('1m'),
    /** Drop cached objects not read for this long. */
    expire_after: duration.optional(),
    max_packument_size: size.default('1GiB'),
    max_tarball_size: size.default('2GiB'),
    /**
     * Hosts besides the registries' own that packuments may name as tarball locations
     * (`https://cdn.example.com`, or `*` for any): never an open URL fetcher by default.
     */
    tarball_hosts: z
      .array(z.union([z.literal('*'), httpUrl.transform((u) => new URL(u).origin)]))
      .default([]),
    /** Largest request body relayed upstream (audit reports). */
    max_request_body: size.default('64MiB'),
  })
  .strict();

export type NpmConfig = z.output<typeof npmSchema>;
