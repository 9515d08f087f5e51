// The pacman instance over HTTP against a repo-add mirror on loopback: If-Modified-Since on a
// database against the kept copy, signatures the database does not embed kept per package,
// several repositories in one directory, a database that is not one, and mirror extras relayed.
import { describe, expect, it } from 'vitest';
import { get } from '../../helpers/client.js';
import { FakeUpstream, sleep, stopAfterEach } from '../../helpers/fake-upstream.js';
import { PacmanRepo } from '../../helpers/pacman-repo.js';
import { requireTools } from '../../helpers/tools.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';

const CORE = PacmanRepo.dir('core');

let trove: TestTrove | undefined;
let repo: PacmanRepo | undefined;
let fake: FakeUpstream | undefined;
stopAfterEach(
  () => [trove, repo, fake],
  () => (trove = repo = fake = undefined),
);

async function mirror(url: string, over: Record<string, unknown> = {}): Promise<string> {
  trove = await startTrove({
    instances: { arch: { type: 'pacman', upstreams: [url], refresh_interval: '300ms', ...over } },
  });
  return `${trove.url}/arch`;
}

describe.skipIf(!requireTools('repo-add', 'bsdtar', 'zstd'))('pacman mirror', () => {
  it('answers If-Modified-Since on a database with 304 only while it is unchanged', async () => {
    repo = PacmanRepo.create();
    repo.build({ name: 'trove-hello', version: '1.0' });
    repo.publish('core');
    await repo.serve();
    const base = await mirror(repo.url);
    const first = await get(`${base}/${CORE}/core.db`);
    const since = first.headers['last-modified'] as string;
    expect(since).toBeTruthy();
    const same = await get(`${base}/${CORE}/core.db`, { headers: { 'if-modified-since': since } });
    expect(same.status).toBe(304);
    await sleep(1_100);
    repo.build({ name: 'trove-world', version: '1.0' });
    repo.publish('core');
    const want = repo.file(`${CORE}/core.db`);
    for (let i = 0; i < 50; i++) {
      const r = await get(`${base}/${CORE}/core.db`, { headers: { 'if-modified-since': since } });
      if (r.status === 200 && r.body.equals(want)) return;
      await sleep(100);
    }
    throw new Error('the new database was never answered in full');
  });

  it('keeps a signature the database does not embed, per package build', async () => {
    repo = PacmanRepo.create();
    const pkg = repo.build({ name: 'trove-hello', version: '1.0' });
    repo.publish('core');
    repo.write(`${pkg}.sig`, 'signature of the first build');
    await repo.serve();
    const base = await mirror(repo.url);
    expect((await get(`${base}/${CORE}/core.db`)).status).toBe(200);
    expect((await get(`${base}/${pkg}.sig`)).body.toString()).toBe('signature of the first build');
    const hit = await get(`${base}/${pkg}.sig`);
    expect(hit.headers['x-cache']).toBe('HIT');
    expect(repo.server?.hits.get(`/${pkg}.sig`)).toBe(1);
    // A signature of a package no database lists is relayed, never kept.
    repo.write(`${CORE}/unlisted-1-1-any.pkg.tar.zst.sig`, 'x');
    for (let i = 0; i < 2; i++) await get(`${base}/${CORE}/unlisted-1-1-any.pkg.tar.zst.sig`);
    expect(repo.server?.hits.get(`/${CORE}/unlisted-1-1-any.pkg.tar.zst.sig`)).toBe(2);
  });

  it('keeps several repositories of one directory apart, and relays mirror extras', async () => {
    repo = PacmanRepo.create();
    const a = repo.build({ name: 'trove-a', version: '1.0' }, 'custom');
    repo.publish('custom');
    // A second repository database in the same directory, listing another package.
    const dir = PacmanRepo.dir('custom');
    const first = repo.file(`${dir}/custom.db`);
    const b = repo.build({ name: 'trove-b', version: '1.0' }, 'custom');
    repo.publish('custom');
    repo.write(`${dir}/other.db`, repo.file(`${dir}/custom.db`));
    repo.write(`${dir}/custom.db`, first);
    repo.write('lastsync', '1796036268');
    await repo.serve();
    const base = await mirror(repo.url);
    expect((await get(`${base}/${dir}/custom.db`)).body).toEqual(first);
    expect((await get(`${base}/${dir}/other.db`)).status).toBe(200);
    expect((await get(`${base}/${a}`)).status).toBe(200);
    expect((await get(`${base}/${b}`)).status).toBe(200);
    expect((await get(`${base}/${b}`)).headers['x-cache']).toBe('HIT');
    for (let i = 0; i < 2; i++) expect((await get(`${base}/lastsync`)).status).toBe(200);
    expect(repo.server?.hits.get('/lastsync')).toBe(2);
  });

  it('answers a database that is not one with 502, and a real 404 with 404', async () => {
    fake = await new FakeUpstream()
      .route('/broken/os/x86_64/broken.db', (_q, res) => {
        res.writeHead(200).end('<html>captive portal</html>'.padEnd(600));
      })
      .start();
    const base = await mirror(fake.url, { first_wait: '5s' });
    expect((await get(`${base}/broken/os/x86_64/broken.db`)).status).toBe(502);
    expect((await get(`${base}/gone/os/x86_64/gone.db`)).status).toBe(404);
  });
});
