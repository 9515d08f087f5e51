// The UI's routes: the dashboard at / (and /ui/), the browser, the stats the dashboard polls,
// the instance list, the admin actions, and the two assets.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { CacheIndex } from '../index/cache-index.js';
import { primaryMounts, type Mount } from '../server/mount.js';
import { CSS, JS } from './assets.js';
import { browse } from './browse.js';
import { browsePage } from './browse-page.js';
import { dashboardPage, statText, storeText } from './dashboard-page.js';
import type { DashboardStats } from './dashboard-stats.js';
import { adminAction } from './admin-actions.js';
import type { UiAuth } from './ui-auth.js';

export interface UiDeps {
  /** `ui.enabled`: when false, only /_trove/instances answers. */
  enabled: boolean;
  stats(): Promise<DashboardStats>;
  index: Pick<CacheIndex, 'entriesPage' | 'refresh' | 'get'>;
  /** Removes entries (their blobs go through the deletion queue). */
  purge(keys: string[]): Promise<void>;
  auth: UiAuth;
  log: Logger;
}

export interface UiRequest {
  path: string;
  query: URLSearchParams;
  origin: string;
  client: string;
  mounts: readonly Mount[];
}

const PAGE_SIZE = 50;

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...extra,
  });
  res.end(body);
}

const HTML = 'text/html; charset=utf-8';
const SECURITY = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'same-origin',
};

export function isUiPath(path: string): boolean {
  return (
    path === '/' ||
    path === '/_trove/' ||
    path === '/_trove/instances' ||
    path.startsWith('/ui/') ||
    path === '/ui'
  );
}

function instancesJson(origin: string, mounts: readonly Mount[]): string {
  const instances = primaryMounts(mounts)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((m) => ({
      name: m.name,
      type: m.type,
      path: m.prefix || '/',
      url: `${origin}${m.prefix}`,
      hosts: m.hosts,
    }));
  return `${JSON.stringify({ instances })}\n`;
}

/** Answers a UI path; returns false when the path is not one (the caller answers 404). */
export async function uiRoute(
  req: IncomingMessage,
  res: ServerResponse,
  u: UiRequest,
  d: UiDeps,
): Promise<boolean> {
  const { path } = u;
  if (path === '/ui/assets/ui.css')
    return (
      send(res, 200, 'text/css; charset=utf-8', CSS, { 'cache-control': 'max-age=300' }),
      true
    );
  if (path === '/ui/assets/ui.js')
    return (
      send(res, 200, 'text/javascript; charset=utf-8', JS, { 'cache-control': 'max-age=300' }),
      true
    );
  if (path === '/_trove/instances')
    return (send(res, 200, 'application/json', instancesJson(u.origin, u.mounts)), true);
  if (!d.enabled) return false;
  if (d.auth.view && !(await d.auth.view(req.headers.authorization, u.client))) {
    send(
      res,
      401,
      'text/plain; charset=utf-8',
      'authentication required: an operator (access.admin or access.metrics) may view this\n',
      {
        'www-authenticate': 'Basic realm="Trove", charset="UTF-8"',
      },
    );
    return true;
  }
  if (path === '/' || path === '/_trove/' || path === '/ui' || path === '/ui/') {
    const stats = await d.stats().catch((err: unknown) => {
      d.log.warn({ err }, 'dashboard numbers unavailable');
      return null;
    });
    send(res, 200, HTML, dashboardPage(u.origin, u.mounts, stats), SECURITY);
    return true;
  }
  if (path === '/ui/api/stats') {
    const s = await d.stats();
    const instances = Object.fromEntries(
      Object.entries(s.instances).map(([k, v]) => [k, { ...v, text: statText(v) }]),
    );
    send(
      res,
      200,
      'application/json',
      JSON.stringify({ ...s, store: { ...s.store, text: storeText(s.store) }, instances }),
    );
    return true;
  }
  const browsed = /^\/ui\/browse\/([a-z0-9][a-z0-9_-]*)$/.exec(path);
  if (browsed && req.method !== 'POST') {
    const mount = primaryMounts(u.mounts).find((m) => m.name === browsed[1]);
    if (!mount) return false;
    const query = u.query.get('q') ?? '';
    const result = await browse(
      d.index,
      mount.name,
      mount.browse,
      query,
      u.query.get('after') ?? '',
      PAGE_SIZE,
    );
    send(
      res,
      200,
      HTML,
      browsePage({
        mount,
        query,
        result,
        admin: d.auth.admin !== null,
        notice: u.query.get('done'),
      }),
      SECURITY,
    );
    return true;
  }
  if (path === '/ui/admin/purge' || path === '/ui/admin/refresh') {
    await adminAction(req, res, u, d, path.endsWith('purge') ? 'purge' : 'refresh');
    return true;
  }
  return false;
}
