// Who may see the UI and who may use its admin actions. Without access control the pages are
// open (like /metrics without a token) and admin actions need `ui.admin_token`; with it, pages
// need a subject in `access.admin` or `access.metrics`, and admin actions one in `access.admin`
// (or the token). A browser gets a Basic challenge, so a person can log in from the page.
import { timingSafeEqual } from 'node:crypto';

export type Check = (authorization: string | undefined, client: string) => Promise<boolean>;

export interface UiAuth {
  /** null: anyone may view the dashboard and the browser. */
  view: Check | null;
  /** null: admin actions are off. */
  admin: Check | null;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The admin token as a bearer token, or as the password of any Basic user. */
export function tokenCheck(token: string): Check {
  return async (authorization) => {
    if (!authorization) return false;
    if (authorization.startsWith('Bearer ')) return same(authorization.slice(7), token);
    if (!authorization.startsWith('Basic ')) return false;
    const pair = Buffer.from(authorization.slice(6), 'base64').toString();
    return same(pair.slice(pair.indexOf(':') + 1), token);
  };
}

export const either = (...checks: Array<Check | null>): Check | null => {
  const live = checks.filter((c): c is Check => c !== null);
  if (live.length === 0) return null;
  return async (authorization, client) => {
    for (const c of live) if (await c(authorization, client)) return true;
    return false;
  };
};
