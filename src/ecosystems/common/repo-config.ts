// The settings every Linux repository ecosystem shares: the mirrors tried in order, how often
// discovered roots are refreshed, how long a new root's first request waits, and size limits.
import { z } from 'zod';
import { duration, instanceBase, size, upstreamEntry } from '../../config/types.js';

/** The shared fields, with the ecosystem's default refresh interval. */
export function repoFields(refreshInterval: string) {
  return {
    ...instanceBase,
    /**
     * Repository roots (the URL clients are configured with), tried in order. A root's
     * metadata set always comes from one of them; packages may come from the next when one
     * fails.
     */
    upstreams: z.array(upstreamEntry).min(1, 'needs at least one upstream'),
    /** How often each discovered root asks its upstream for a new set (conditionally). */
    refresh_interval: duration.default(refreshInterval),
    /** How long a request waits for a new root's first set before it is relayed uncached. */
    first_wait: duration.default('30s'),
    /** Refreshes running at once across roots. */
    refresh_concurrency: z.number().int().min(1).max(64).default(4),
    /** Drop cached files not read for this long. */
    expire_after: duration.optional(),
    max_package_size: size.default('8GiB'),
  };
}

/** The largest listed file (an index a top file lists), for formats that have them. */
export const maxIndexSize = { max_index_size: size.default('1GiB') };

/** What the shared instance reads from any repository ecosystem's config. */
export interface RepoConfig {
  upstreams: z.output<typeof upstreamEntry>[];
  refresh_interval: number;
  first_wait: number;
  refresh_concurrency: number;
  expire_after?: number | undefined;
  /** Formats without listed files (pacman) read their package lists from the top files. */
  max_index_size?: number;
  max_package_size: number;
  /** deb only: what to do past Valid-Until. */
  expired?: 'serve' | 'fail';
}
