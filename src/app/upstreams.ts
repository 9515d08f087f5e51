// Builds an instance's UpstreamPool from its config: credentials become Authorization headers
// that only ever go to that upstream's own origin.
import type { Dispatcher } from 'undici';
import type { Secret, UpstreamEntry } from '../config/types.js';
import { UpstreamPool, type UpstreamTarget } from '../upstream/upstream-pool.js';

type Auth = { bearer: Secret } | { token: Secret } | { username: string; password: Secret };

function authorization(auth: Auth | undefined): string | undefined {
  if (!auth) return undefined;
  if ('bearer' in auth) return `Bearer ${auth.bearer.reveal()}`;
  if ('token' in auth) return auth.token.reveal();
  return `Basic ${Buffer.from(`${auth.username}:${auth.password.reveal()}`).toString('base64')}`;
}

export function buildPool(
  entries: readonly UpstreamEntry[],
  dispatcher: Dispatcher,
  maxRedirects: number,
): UpstreamPool {
  const targets = entries.map((e): UpstreamTarget => {
    const a = authorization(e.auth as Auth | undefined);
    return {
      url: e.url,
      headers: e.headers,
      ...(a ? { authorization: a } : {}),
      ...(e.fallthrough ? { fallthrough: e.fallthrough } : {}),
    };
  });
  return new UpstreamPool(targets, dispatcher, maxRedirects);
}
