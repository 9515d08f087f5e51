// A planner warms one wanted item through an instance of its ecosystem: it knows the URLs a
// client of that ecosystem would ask for, reads what metadata it needs, and warms the files.
import { NOTHING, plus, type TroveClient, type Warmed } from '../client.js';
import type { Wanted } from '../wanted.js';

export interface PlanContext {
  client: TroveClient;
  /** The instance's base URL, without a trailing slash. */
  base: string;
  /** The Trove's origin (for OCI, whose paths start at /v2/). */
  origin: string;
  /** OCI: which platforms of a multi-platform image (`all`, or `os/arch[/variant]`). */
  platforms: string[];
}

export type Planner = (w: Wanted, ctx: PlanContext) => Promise<Warmed>;

/** Warms several files of one item, in turn, and adds up what it took. */
export async function warmAll(
  ctx: PlanContext,
  urls: ReadonlyArray<string | { url: string; accept: string }>,
): Promise<Warmed> {
  let out = NOTHING;
  for (const u of urls) {
    out = plus(
      out,
      typeof u === 'string' ? await ctx.client.warm(u) : await ctx.client.warm(u.url, u.accept),
    );
  }
  return out;
}
