// Go: a module version is its .info, .mod and .zip (only the .mod for go.sum's `/go.mod`
// lines), at paths with upper case escaped as `!` + lower case.
import { escapeString } from '../../ecosystems/go/module-path.js';
import type { Planner } from './planner.js';
import { warmAll } from './planner.js';

export const goPlanner: Planner = (w, ctx) => {
  const at = `${ctx.base}/${escapeString(w.name)}/@v/${escapeString(w.version)}`;
  return warmAll(ctx, w.only === 'mod' ? [`${at}.mod`] : [`${at}.info`, `${at}.mod`, `${at}.zip`]);
};
