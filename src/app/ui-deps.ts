// What the web UI is given: the numbers, the index pages, purge through the evictor, and who
// may view it and use its admin actions (see src/ui/ui-auth.ts).
import type { Logger } from 'pino';
import type { AccessControl } from '../access/access-control.js';
import type { Config } from '../config/schema.js';
import type { Engine } from '../engine/engine.js';
import type { CacheIndex } from '../index/cache-index.js';
import { dashboardStats } from '../ui/dashboard-stats.js';
import { either, tokenCheck, type UiAuth } from '../ui/ui-auth.js';
import type { UiDeps } from '../ui/ui-routes.js';

export function uiDeps(o: {
  config: Config;
  index: CacheIndex;
  engine: Engine;
  metrics: { metrics(): Promise<string> } | null;
  access: AccessControl | null;
  roots(): Array<{ instance: string; counts: Record<string, number> }>;
  log: Logger;
}): UiDeps {
  const token = o.config.ui.admin_token?.reveal();
  const byToken = token ? tokenCheck(token) : null;
  const admin = either(o.access?.adminCheck() ?? null, byToken);
  const auth: UiAuth = {
    // With access control, only operators see the pages (a subject in access.metrics or
    // access.admin, or the admin token); nobody when neither is configured.
    view: o.access ? (either(o.access.metricsCheck(), admin) ?? (async () => false)) : null,
    admin,
  };
  return {
    enabled: o.config.ui.enabled,
    stats: dashboardStats({
      index: o.index,
      metrics: o.metrics ? () => o.metrics?.metrics() ?? Promise.resolve('') : null,
      maxBytes: o.config.storage.max_size ?? null,
      roots: o.roots,
      instances: Object.keys(o.config.instances),
    }),
    index: o.index,
    purge: (keys) => o.engine.evictor.remove(keys, 'purge'),
    auth,
    log: o.log,
  };
}
