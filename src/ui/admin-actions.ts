// Admin actions: purge an entry or every entry a search lists, and refresh an entry (mark it
// stale, so the next request revalidates it upstream). POST only, refused across sites (a form
// on another site cannot drive them with a browser's saved credentials), audited.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { primaryMounts } from '../server/mount.js';
import { readBounded } from '../util/read-bounded.js';
import { searchPrefix } from './browse.js';
import { send, type UiDeps, type UiRequest } from './ui-routes.js';

const MAX_BODY = 64 * 1024;
const BATCH = 500;
/** Entries one pattern purge removes at most (then it says so; run it again for more). */
const MAX_PURGE = 1_000_000;

type Action = 'purge' | 'refresh';

function crossSite(req: IncomingMessage, u: UiRequest): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = req.headers.origin;
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return origin !== u.origin && new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

async function fields(req: IncomingMessage): Promise<{ json: boolean; f: Record<string, string> }> {
  const body = (await readBounded(req, MAX_BODY, () => new Error('too large'))).toString();
  if (/^application\/json/i.test(req.headers['content-type'] ?? '')) {
    const parsed = JSON.parse(body || '{}') as Record<string, unknown>;
    const f = Object.fromEntries(
      Object.entries(parsed).map(([k, v]) => [k, v === true ? 'yes' : String(v)]),
    );
    return { json: true, f };
  }
  return { json: false, f: Object.fromEntries(new URLSearchParams(body)) };
}

export async function adminAction(
  req: IncomingMessage,
  res: ServerResponse,
  u: UiRequest,
  d: UiDeps,
  action: Action,
): Promise<void> {
  const text = 'text/plain; charset=utf-8';
  if (req.method !== 'POST') return send(res, 405, text, 'use POST\n', { allow: 'POST' });
  if (!d.auth.admin)
    return send(res, 403, text, 'admin actions are off: set access.admin, or ui.admin_token\n');
  if (crossSite(req, u))
    return send(res, 403, text, 'refused: an admin action must come from this site\n');
  if (!(await d.auth.admin(req.headers.authorization, u.client))) {
    return send(res, 401, text, 'admin credentials required\n', {
      'www-authenticate': 'Basic realm="Trove admin", charset="UTF-8"',
    });
  }
  let input: { json: boolean; f: Record<string, string> };
  try {
    input = await fields(req);
  } catch {
    return send(res, 400, text, 'the request body is not a form or JSON (64 KiB at most)\n');
  }
  const { f } = input;
  const mount = primaryMounts(u.mounts).find((m) => m.name === f['instance']);
  if (!mount) return send(res, 400, text, `no instance ${JSON.stringify(f['instance'] ?? '')}\n`);
  const key = f['key'];
  let count = 0;
  let done: string;
  if (key !== undefined) {
    if (!key.startsWith(`${mount.name}/`))
      return send(res, 400, text, 'the key is not one of this instance\n');
    const entry = await d.index.get(key);
    if (entry && action === 'purge') await d.purge([key]);
    if (entry && action === 'refresh') await d.index.refresh(key, { fetchedAt: 0 });
    count = entry ? 1 : 0;
    done = entry
      ? `${action === 'purge' ? 'Purged' : 'Marked stale (revalidated on its next request)'}: ${key}`
      : `Not cached: ${key}`;
  } else if (action === 'purge' && f['all'] === 'yes') {
    const prefix = searchPrefix(mount.name, mount.browse, f['q'] ?? '');
    let cursor = '';
    while (count < MAX_PURGE) {
      const batch = await d.index.entriesPage(prefix, cursor, BATCH);
      if (batch.length === 0) break;
      cursor = (batch.at(-1) as { key: string }).key;
      const keys = batch
        .filter((e) => mount.browse.label(e.key.slice(mount.name.length + 1)))
        .map((e) => e.key);
      await d.purge(keys);
      count += keys.length;
      if (batch.length < BATCH) break;
    }
    done = `Purged ${count} entries${f['q'] ? ` starting with “${f['q']}”` : ''}${count >= MAX_PURGE ? ' (the limit of one purge: run it again)' : ''}`;
  } else {
    return send(res, 400, text, 'name a key, or (purge) a search with all=yes\n');
  }
  d.log.info(
    {
      audit: true,
      event: 'admin',
      action,
      instance: mount.name,
      key,
      query: f['q'],
      count,
      client: u.client,
    },
    `admin ${action}`,
  );
  if (input.json)
    return send(
      res,
      200,
      'application/json',
      `${JSON.stringify({ action, instance: mount.name, count })}\n`,
    );
  const back = `/ui/browse/${encodeURIComponent(mount.name)}?q=${encodeURIComponent(f['q'] ?? '')}&done=${encodeURIComponent(done)}`;
  res.writeHead(303, { location: back, 'content-length': 0, 'cache-control': 'no-store' });
  res.end();
}
