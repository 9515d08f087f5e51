// Go: a module version is its .info, .mod and .zip (only the .mod for go.sum's `/go.mod`
// lines), at paths with upper case escaped as `!` + lower case.
import type { Planner } from './planner.js';
import { warmAll } from './planner.js';

const escape = (s: string): string => s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);

export const goPlanner: Planner = (w, ctx) => {
  const at = `${ctx.base}/${escape(w.name)}/@v/${escape(w.version)}`;
  return warmAll(ctx, w.only === 'mod' ? [`${at}.mod`] : [`${at}.info`, `${at}.mod`, `${at}.zip`]);
};
