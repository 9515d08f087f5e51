// The `deb` instance schema: the archive mirrors tried in order, how often discovered roots are
// refreshed, and what to do once a published set's Valid-Until has passed.
import { z } from 'zod';
import { duration, instanceBase, size, upstreamEntry } from '../../config/types.js';

export const debSchema = z
  .object({
    type: z.literal('deb'),
    ...instanceBase,
    /**
     * Archive roots (the URL in sources.list), tried in order. A root's metadata set always
     * comes from one of them; packages may come from the next when one fails.
     */
    upstreams: z.array(upstreamEntry).min(1, 'needs at least one upstream'),
    /** How often each discovered root asks its upstream for a new set (conditionally). */
    refresh_interval: duration.default('1h'),
    /** How long a request waits for a new root's first set before it is relayed uncached. */
    first_wait: duration.default('30s'),
    /**
     * Past Valid-Until with no newer set to be had: `serve` the expired set (apt reports it
     * expired) or `fail` with 504.
     */
    expired: z.enum(['serve', 'fail']).default('serve'),
    /** Refreshes running at once across roots. */
    refresh_concurrency: z.number().int().min(1).max(64).default(4),
    /** Drop cached files not read for this long. */
    expire_after: duration.optional(),
    max_release_size: size.default('32MiB'),
    max_index_size: size.default('1GiB'),
    max_package_size: size.default('8GiB'),
  })
  .strict();

export type DebConfig = z.output<typeof debSchema>;
