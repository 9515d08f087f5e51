// Cargo: the sparse index file of the crate (as cargo reads it), then the .crate from the
// `dl` template of the registry's config.json (the cargo ecosystem's own path rules).
import { indexPath } from '../../ecosystems/cargo/crate-name.js';
import { downloadUrl } from '../../ecosystems/cargo/download-url.js';
import { PrefetchError } from '../client.js';
import type { PlanContext, Planner } from './planner.js';
import { warmAll } from './planner.js';

const templates = new WeakMap<PlanContext, Promise<string>>();

function dlTemplate(ctx: PlanContext): Promise<string> {
  let t = templates.get(ctx);
  if (!t) {
    t = ctx.client.read(`${ctx.base}/config.json`).then((r) => {
      const dl = (JSON.parse(r.body.toString()) as { dl?: unknown }).dl;
      if (typeof dl !== 'string') throw new PrefetchError(`${ctx.base}/config.json has no dl`);
      return dl;
    });
    templates.set(ctx, t);
  }
  return t;
}

export const cargoPlanner: Planner = async (w, ctx) => {
  await ctx.client.read(`${ctx.base}/${indexPath(w.name)}`);
  const checksum = w.hashes?.[0]?.replace(/^sha256:/, '') ?? '';
  const url = downloadUrl(await dlTemplate(ctx), w.name, w.version, checksum);
  const w1 = await warmAll(ctx, [url]);
  return { ...w1, files: w1.files + 1 };
};
