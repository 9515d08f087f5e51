// Origins for artifacts that metadata points at (a PyPI page's file URLs, a Cargo registry's
// `dl`): a host that is one of the instance's own upstreams is reached with that upstream's
// credentials; any other host with none. Each host gets one origin, made on first use.
import type { UpstreamEntry } from '../../config/types.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import type { InstanceContext } from '../ecosystem.js';
import { memoize } from './memo.js';

export interface HostOrigins {
  /** Whether `origin` (scheme://host:port) is one of the upstreams' own hosts. */
  own(origin: string): boolean;
  /** An origin rooted at `origin`, with credentials only for the upstreams' own hosts. */
  at(origin: string): Origin;
}

export function hostOrigins(ctx: InstanceContext, entries: readonly UpstreamEntry[]): HostOrigins {
  const byOrigin = new Map<string, UpstreamEntry>();
  for (const e of entries) {
    const o = new URL(e.url).origin;
    if (!byOrigin.has(o)) byOrigin.set(o, e);
  }
  const at = memoize((o) => {
    const own = byOrigin.get(o);
    return own ? ctx.upstream([{ ...own, url: `${o}/` }]) : ctx.origin([{ url: `${o}/` }]);
  });
  return { own: (o) => byOrigin.has(o), at };
}
