// Who may see the web UI and use its admin actions, over HTTP: with access control, operators
// only (access.admin, access.metrics); admin actions for access.admin; a purge of every entry a
// search lists, as JSON; and a Trove with the UI turned off.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../helpers/access-users.js';
import { get } from '../helpers/client.js';
import { FakeUpstream, stopAfterEach, until } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let up: FakeUpstream;
let trove: TestTrove | undefined;
const dir = mkdtempSync(join(tmpdir(), 'trove-ui-access-'));
const htpasswd = users.writeHtpasswd(dir);

beforeAll(async () => {
  up = new FakeUpstream();
  for (const n of ['a1', 'a2', 'a3', 'b1']) up.file(`/${n}.txt`, `${n}\n`);
  await up.start();
});
stopAfterEach(
  () => [trove],
  () => (trove = undefined),
);
afterAll(() => up.stop());

const post = (url: string, body: unknown, auth?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });

describe('web UI access', () => {
  it('shows pages to operators only, and admin actions to access.admin only', async () => {
    trove = await startTrove({
      ...fileInstance(up.url),
      access: users.accessSection(htpasswd, {
        admin: [users.ALICE.user],
        rules: [{ who: '*', allow: ['read', 'fetch'] }],
      }),
    });
    const alice = users.basicAuth(users.ALICE);
    const bob = users.basicAuth(users.BOB);
    const anonymous = await get(`${trove.url}/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toMatch(/^Basic realm="Trove"/);
    expect((await get(`${trove.url}/`, { headers: { authorization: bob } })).status).toBe(401);
    expect((await get(`${trove.url}/`, { headers: { authorization: alice } })).status).toBe(200);
    expect(
      (await get(`${trove.url}/ui/browse/files`, { headers: { authorization: alice } })).status,
    ).toBe(200);
    // The instance list stays open: it says no more than a client's set-up does.
    expect((await get(`${trove.url}/_trove/instances`)).status).toBe(200);
    await get(`${trove.url}/files/a1.txt`, { headers: { authorization: bob } });
    expect(
      (await post(`${trove.url}/ui/admin/purge`, { instance: 'files', key: 'files/a1.txt' }, bob))
        .status,
    ).toBe(401);
    const ok = await post(
      `${trove.url}/ui/admin/purge`,
      { instance: 'files', key: 'files/a1.txt' },
      alice,
    );
    expect(await ok.json()).toEqual({ action: 'purge', instance: 'files', count: 1 });
  });

  it('purges every entry a search lists, and no other', async () => {
    const t = await startTrove({ ...fileInstance(up.url), ui: { admin_token: 'tok' } });
    trove = t;
    // Each asked until it is a HIT: committed to the index.
    for (const n of ['a1', 'a2', 'a3', 'b1']) {
      await until(async () => (await get(`${t.url}/files/${n}.txt`)).headers['x-cache'] === 'HIT');
    }
    const r = await post(
      `${trove.url}/ui/admin/purge`,
      { instance: 'files', q: 'a', all: true },
      'Bearer tok',
    );
    expect(await r.json()).toEqual({ action: 'purge', instance: 'files', count: 3 });
    expect((await get(`${trove.url}/files/b1.txt`)).headers['x-cache']).toBe('HIT');
    expect((await get(`${trove.url}/files/a2.txt`)).headers['x-cache']).toBe('MISS');
    const refreshed = await post(
      `${trove.url}/ui/admin/refresh`,
      { instance: 'files', key: 'files/b1.txt' },
      'Bearer tok',
    );
    expect(await refreshed.json()).toMatchObject({ count: 1 });
    expect(
      (
        await post(
          `${trove.url}/ui/admin/purge`,
          { instance: 'files', key: 'other/x' },
          'Bearer tok',
        )
      ).status,
    ).toBe(400);
    expect(
      (await post(`${trove.url}/ui/admin/purge`, { instance: 'nope', key: 'x' }, 'Bearer tok'))
        .status,
    ).toBe(400);
    expect((await get(`${trove.url}/ui/admin/purge`)).status).toBe(405);
  });

  it('keeps admin actions off without a token or access.admin, and the pages off when asked', async () => {
    trove = await startTrove({ ...fileInstance(up.url) });
    const off = await post(`${trove.url}/ui/admin/purge`, {
      instance: 'files',
      key: 'files/a1.txt',
    });
    expect(off.status).toBe(403);
    expect(await off.text()).toMatch(/admin actions are off/);
    expect((await get(`${trove.url}/ui/browse/files`)).body.toString()).not.toContain('Purge');
    await trove.stop();
    trove = await startTrove({ ...fileInstance(up.url), ui: { enabled: false } });
    expect((await get(`${trove.url}/`)).status).toBe(404);
    expect((await get(`${trove.url}/_trove/instances`)).status).toBe(200);
  });
});
