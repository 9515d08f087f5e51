// The users of the access e2e tests: alice may read and fetch everything; bob may read what is
// cached (never fetch) except the names given as denied; nobody else may do anything.
import { hashSync } from '@node-rs/bcrypt';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ALICE = { user: 'alice', password: 'alice-pw' };
export const BOB = { user: 'bob', password: 'bob-pw' };

export const basicAuth = (u: { user: string; password: string }): string =>
  `Basic ${Buffer.from(`${u.user}:${u.password}`).toString('base64')}`;

/** Writes an htpasswd file (bcrypt, cost 4 to keep tests quick) into `dir`; its path. */
export function writeHtpasswd(dir: string): string {
  const file = join(dir, 'htpasswd');
  const line = (u: { user: string; password: string }) => `${u.user}:${hashSync(u.password, 4)}`;
  writeFileSync(file, `${line(ALICE)}\n${line(BOB)}\n`);
  return file;
}

/** The top-level `access` section for an htpasswd file. */
export function accessSection(htpasswd: string, over: Record<string, unknown> = {}) {
  return { htpasswd, failures: { limit: 10_000 }, ...over };
}

/** An instance's `access` key: alice fetches, bob reads what is cached except `denied`. */
export function instanceAccess(denied: string[]) {
  return {
    rules: [
      { who: ALICE.user, allow: ['read', 'fetch'] },
      { who: BOB.user, names: denied, deny: ['read'] },
      { who: BOB.user, allow: ['read'] },
    ],
  };
}
