// npm: the packument (as npm asks for it: scoped names with %2f), then the version's tarball
// from the URL the packument gives (Trove rewrites it to itself).
import { PrefetchError } from '../client.js';
import type { Planner } from './planner.js';
import { warmAll } from './planner.js';

const ABBREVIATED = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

export const npmPlanner: Planner = async (w, ctx) => {
  const doc = await ctx.client.read(`${ctx.base}/${w.name.replace('/', '%2f')}`, ABBREVIATED);
  const packument = JSON.parse(doc.body.toString()) as {
    versions?: Record<string, { dist?: { tarball?: string } }>;
  };
  const tarball = packument.versions?.[w.version]?.dist?.tarball;
  if (!tarball) throw new PrefetchError(`${w.name}@${w.version}: no such version in the packument`);
  const w1 = await warmAll(ctx, [tarball]);
  return { ...w1, files: w1.files + 1 };
};
