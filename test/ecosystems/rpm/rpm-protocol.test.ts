// The rpm instance over HTTP against a createrepo_c repository on loopback: packages verified
// through whatever primary variant the client read (zchunk included), delta packages through
// prestodelta, a client that still holds the repomd before a publication, unlisted files and
// metalinks relayed uncached, and upstream trouble that never reads as "not found".
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { get, untilServed } from '../../helpers/client.js';
import { RpmRepo } from '../../helpers/rpm-repo.js';
import { FakeUpstream, sleep, stopAfterEach } from '../../helpers/fake-upstream.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';
import { requireTools } from '../../helpers/tools.js';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const PKG = 'os/Packages/trove-hello-1.0-1.noarch.rpm';

let trove: TestTrove | undefined;
let repo: RpmRepo | undefined;
let fake: FakeUpstream | undefined;
stopAfterEach(
  () => [trove, repo, fake],
  () => (trove = repo = fake = undefined),
);

async function repository(o: { zck?: boolean } = {}): Promise<RpmRepo> {
  repo = RpmRepo.create();
  repo.build({ name: 'trove-hello', version: '1.0' }, 'os');
  repo.publish('os', o);
  return repo.serve();
}

async function mirror(url: string, over: Record<string, unknown> = {}): Promise<string> {
  trove = await startTrove({
    instances: { rpm: { type: 'rpm', upstreams: [url], refresh_interval: '300ms', ...over } },
  });
  return `${trove.url}/rpm`;
}

/** The repodata file of a publication whose name ends so. */
const data = (r: RpmRepo, suffix: string): string =>
  `os/repodata/${r.repodata('os').find((f) => f.endsWith(suffix)) as string}`;

/** Adds a prestodelta listing one .drpm to the repomd of `os`, and writes that .drpm. */
function addDelta(r: RpmRepo, drpm: Buffer): string {
  const rel = 'drpms/trove-hello-1.0-1_1.0-2.noarch.drpm';
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<prestodelta><newpackage name="trove-hello" epoch="0" version="1.0" release="2" arch="noarch">
<delta oldepoch="0" oldversion="1.0" oldrelease="1"><filename>${rel}</filename>
<sequence>x</sequence><size>${drpm.length}</size>
<checksum type="sha256">${sha256(drpm)}</checksum></delta></newpackage></prestodelta>`;
  const gz = gzipSync(xml);
  const name = `repodata/${sha256(gz)}-prestodelta.xml.gz`;
  r.write(`os/${name}`, gz);
  r.write(`os/${rel}`, drpm);
  const entry = `<data type="prestodelta"><checksum type="sha256">${sha256(gz)}</checksum><location href="${name}"/><timestamp>1796036268</timestamp><size>${gz.length}</size></data>\n</repomd>`;
  r.write(
    'os/repodata/repomd.xml',
    r.file('os/repodata/repomd.xml').toString().replace('</repomd>', entry),
  );
  return `os/${rel}`;
}

describe.skipIf(!requireTools('rpmbuild', 'createrepo_c'))('rpm mirror', () => {
  it('verifies packages for a client that read only the zchunk primary', async () => {
    const r = await repository({ zck: true });
    const base = await mirror(r.url);
    expect((await get(`${base}/os/repodata/repomd.xml`)).status).toBe(200);
    const zck = await get(`${base}/${data(r, '-primary.xml.zck')}`);
    expect(zck.body).toEqual(r.file(data(r, '-primary.xml.zck')));
    const first = await get(`${base}/${PKG}`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual(r.file(PKG));
    expect((await get(`${base}/${PKG}`)).headers['x-cache']).toBe('HIT');
    expect(r.server?.hits.get(`/${PKG}`)).toBe(1);
  });

  it('verifies delta packages against prestodelta, and refuses one that does not match', async () => {
    const r = await repository();
    const drpm = addDelta(r, Buffer.from('a delta rpm payload'));
    const good = r.file(drpm);
    r.write(drpm, 'a delta rpm payloaX');
    const base = await mirror(r.url);
    const repomd = (await get(`${base}/os/repodata/repomd.xml`)).body.toString();
    const presto = /href="(repodata\/[0-9a-f]+-prestodelta\.xml\.gz)"/.exec(repomd)?.[1];
    expect((await get(`${base}/os/${presto as string}`)).status).toBe(200);
    // Rebuilt under the same name: refused, and never kept.
    const bad = await get(`${base}/${drpm}`);
    expect(bad.status).toBe(502);
    expect(bad.headers['x-trove-error']).toBe('TROVE_ERR_VERIFY');
    r.write(drpm, good);
    expect((await get(`${base}/${drpm}`)).body).toEqual(good);
    expect((await get(`${base}/${drpm}`)).headers['x-cache']).toBe('HIT');
  });

  it('answers a client holding the repomd before a publication with the data it lists', async () => {
    const r = await repository();
    const base = await mirror(r.url);
    const oldRepomd = (await get(`${base}/os/repodata/repomd.xml`)).body;
    const oldPrimary = data(r, '-primary.xml.gz');
    const kept = r.file(oldPrimary);
    expect((await get(`${base}/${oldPrimary}`)).body).toEqual(kept);
    r.build({ name: 'trove-world', version: '1.0' }, 'os');
    const text = r.publish('os');
    expect(r.repodata('os').some((f) => oldPrimary.endsWith(f))).toBe(false);
    await untilServed(`${base}/os/repodata/repomd.xml`, text);
    expect(oldRepomd.toString()).not.toBe(text);
    // Gone upstream, still answered from the generation before (a new connection, no pin).
    const old = await get(`${base}/${oldPrimary}`);
    expect(old.status).toBe(200);
    expect(old.body).toEqual(kept);
  });

  it('relays unlisted files and metalinks without keeping them', async () => {
    const r = await repository();
    r.write('os/Packages/unlisted-1.0-1.noarch.rpm', 'not in primary');
    r.write('metalink', '<metalink/>');
    const base = await mirror(r.url);
    expect((await get(`${base}/os/repodata/repomd.xml`)).status).toBe(200);
    for (const path of ['os/Packages/unlisted-1.0-1.noarch.rpm', 'metalink']) {
      for (let i = 0; i < 2; i++) expect((await get(`${base}/${path}`)).status).toBe(200);
      expect(r.server?.hits.get(`/${path}`)).toBe(2);
    }
  });

  it('takes a set whole from the next mirror when the first is down, and packages from any', async () => {
    const r = await repository();
    const base = await mirror('http://127.0.0.1:9/', {
      upstreams: ['http://127.0.0.1:9/', r.url],
      first_wait: '10s',
    });
    const repomd = await get(`${base}/os/repodata/repomd.xml`);
    expect(repomd.body).toEqual(r.file('os/repodata/repomd.xml'));
    expect((await get(`${base}/${data(r, '-primary.xml.gz')}`)).status).toBe(200);
    const pkg = await get(`${base}/${PKG}`);
    expect(pkg.body).toEqual(r.file(PKG));
    expect((await get(`${base}/${PKG}`)).headers['x-cache']).toBe('HIT');
  });

  it('answers a repomd that is not one with 502, and a real 404 with 404', async () => {
    fake = await new FakeUpstream()
      .route('/broken/repodata/repomd.xml', (_q, res) => {
        res.writeHead(200).end('<html>proxy error page</html>');
      })
      .start();
    const base = await mirror(fake.url, { first_wait: '5s' });
    const broken = await get(`${base}/broken/repodata/repomd.xml`);
    expect(broken.status).toBe(502);
    expect((await get(`${base}/gone/repodata/repomd.xml`)).status).toBe(404);
  });

  it('serves a known root stale when its upstream is down, never a 404', async () => {
    const r = await repository();
    const base = await mirror(r.url);
    const good = await get(`${base}/os/repodata/repomd.xml`);
    expect((await get(`${base}/${data(r, '-primary.xml.gz')}`)).status).toBe(200);
    await r.stop();
    await sleep(700);
    const stale = await get(`${base}/os/repodata/repomd.xml`);
    expect(stale.status).toBe(200);
    expect(stale.body).toEqual(good.body);
    expect((await get(`${base}/${data(r, '-primary.xml.gz')}`)).status).toBe(200);
    const down = await get(`${base}/os/Packages/never-fetched-1-1.noarch.rpm`);
    expect([502, 503, 504]).toContain(down.status);
  });
});
