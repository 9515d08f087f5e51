// apk (a scripted apk-tools 2: Debian has no apk client) through Trove against a signed Alpine
// repository on loopback: update and fetch, every signature and checksum checked by the
// client; a new publication picked up; a rebuilt package and one whose data no longer matches
// its control part both refused (the control member hashed, not the wrong one); Packages.adb
// relayed; the mirror stopped, and Trove restarted on its cache, still serve.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApkClient } from '../helpers/apk-client.js';
import { untilServed } from '../helpers/client.js';
import { ApkRepo, KEY_NAME } from '../helpers/apk-repo.js';
import { endRepoTest, repoConfig, troveOver } from '../helpers/repo-e2e.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const MAIN = 'v3.20/main/x86_64';

describe('apk through Trove', () => {
  let repo: ApkRepo;
  let trove: TestTrove;
  let work: string;
  const config = repoConfig('alpine', 'apk');
  const client = (): ApkClient =>
    new ApkClient(`${trove.url}/alpine/v3.20/main`, new Map([[KEY_NAME, repo.publicKey]]));
  const served = (path: string): Promise<Response> => fetch(`${trove.url}/alpine/${path}`);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-apk-e2e-'));
    repo = ApkRepo.create();
    await repo.build({ name: 'trove-hello', version: '1.0-r0' });
    await repo.build({ name: 'trove-world', version: '2.0-r0', filler: 300_000 });
    await repo.publish();
    trove = await troveOver(repo, config);
  });
  afterAll(() => endRepoTest(trove, repo, work));

  it('updates and fetches through Trove, every check passing; packages are hits', async () => {
    const c = client();
    expect(await c.update()).toBe(2);
    expect((await c.fetch('trove-hello')).get('usr/share/trove-hello/payload')?.toString()).toBe(
      'trove-hello 1.0-r0\n',
    );
    expect((await c.fetch('trove-world')).get('usr/share/trove-world/filler')?.length).toBe(
      300_000,
    );
    const hit = await served(`${MAIN}/trove-world-2.0-r0.apk`);
    expect(hit.headers.get('x-cache')).toBe('HIT');
    await hit.arrayBuffer();
    expect(repo.server?.hits.get(`/${MAIN}/trove-world-2.0-r0.apk`)).toBe(1);
  });

  it('picks up a new publication', async () => {
    await repo.build({ name: 'trove-hello', version: '1.1-r0', payload: 'newer\n' });
    await repo.publish();
    await untilServed(
      `${trove.url}/alpine/${MAIN}/APKINDEX.tar.gz`,
      repo.file(`${MAIN}/APKINDEX.tar.gz`),
    );
    const c = client();
    expect(await c.update()).toBe(2);
    expect((await c.fetch('trove-hello')).get('usr/share/trove-hello/payload')?.toString()).toBe(
      'newer\n',
    );
  });

  it('refuses a rebuilt package, and one whose data no longer matches its control part', async () => {
    const rel = await repo.build({ name: 'trove-again', version: '1.0-r0' });
    await repo.publish();
    await untilServed(
      `${trove.url}/alpine/${MAIN}/APKINDEX.tar.gz`,
      repo.file(`${MAIN}/APKINDEX.tar.gz`),
    );
    const good = repo.file(rel);
    // Rebuilt: another control member, so another C:Q1.
    await repo.build({ name: 'trove-again', version: '1.0-r0', payload: 'rebuilt\n' });
    const c = client();
    await c.update();
    await expect(c.fetch('trove-again')).rejects.toThrow(/HTTP 502/);
    // The control part intact, the data swapped: Q1 still matches, datahash does not.
    const tail = Buffer.from(good);
    tail[tail.length - 20] = (tail[tail.length - 20] as number) ^ 0xff;
    repo.write(rel, tail);
    const res = await served(rel);
    expect(res.status).toBe(502);
    expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_VERIFY');
    await res.arrayBuffer();
    repo.write(rel, good);
    expect((await c.fetch('trove-again')).size).toBe(1);
  });

  it('relays the v3 Packages.adb and other files uncached', async () => {
    repo.write(`${MAIN}/Packages.adb`, 'ADB.v3 index');
    for (let i = 0; i < 2; i++) {
      const r = await served(`${MAIN}/Packages.adb`);
      expect(await r.text()).toBe('ADB.v3 index');
    }
    expect(repo.server?.hits.get(`/${MAIN}/Packages.adb`)).toBe(2);
  });

  it('updates and fetches with the mirror stopped, and after a restart on its cache', async () => {
    await repo.stop();
    const c = client();
    expect(await c.update()).toBe(3);
    await c.fetch('trove-world');
    const dir = trove.dir;
    await trove.stop();
    trove = await startTrove(config('http://127.0.0.1:9/'), { dir, keepDir: true });
    const after = client();
    expect(await after.update()).toBe(3);
    expect((await after.fetch('trove-hello')).size).toBe(1);
  });
});
