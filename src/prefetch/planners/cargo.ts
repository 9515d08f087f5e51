// Cargo: the sparse index file of the crate (as cargo reads it), then the .crate from the
// `dl` template of the registry's config.json.
import { PrefetchError } from '../client.js';
import type { PlanContext, Planner } from './planner.js';
import { warmAll } from './planner.js';

/** The index path of a crate: 1/a, 2/ab, 3/a/abc, ab/cd/abcd… */
export function indexPath(name: string): string {
  const n = name.toLowerCase();
  if (n.length <= 2) return `${n.length}/${n}`;
  if (n.length === 3) return `3/${n[0]}/${n}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

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
  const dl = await dlTemplate(ctx);
  const prefix = indexPath(w.name).split('/').slice(0, -1).join('/');
  const checksum = w.hashes?.[0]?.replace(/^sha256:/, '') ?? '';
  const url = /\{(crate|version|prefix|lowerprefix|sha256-checksum)\}/.test(dl)
    ? dl
        .replaceAll('{crate}', w.name)
        .replaceAll('{version}', w.version)
        .replaceAll('{prefix}', prefix)
        .replaceAll('{lowerprefix}', prefix.toLowerCase())
        .replaceAll('{sha256-checksum}', checksum)
    : `${dl.replace(/\/+$/, '')}/${w.name}/${w.version}/download`;
  const w1 = await warmAll(ctx, [url]);
  return { ...w1, files: w1.files + 1 };
};
