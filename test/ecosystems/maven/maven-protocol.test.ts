// The maven instance against a repository on loopback: releases immutable and verified against
// the repository's sidecar and X-Checksum headers, checksum sidecars consistent with what Trove
// serves (synthesized when the repository has none), metadata revalidated, a second repository
// asked on 404 only, and never a 404 for trouble.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { get } from '../../helpers/client.js';
import { managedUpstreams, stopAfterEach } from '../../helpers/fake-upstream.js';
import { MavenRepo, type Gav } from '../../helpers/maven-repo.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';

let trove: TestTrove | undefined;
let repo: MavenRepo | undefined;
stopAfterEach(() => [trove, repo]);
const upstream = managedUpstreams();

const LIB: Gav = { group: 'com.example', artifact: 'lib', version: '1.0' };
const hex = (alg: string, b: Buffer): string => createHash(alg).update(b).digest('hex');

async function setup(over: Record<string, unknown> = {}) {
  repo = await MavenRepo.start();
  const paths = await repo.publish(LIB);
  trove = await startTrove({
    instances: { maven: { type: 'maven', upstreams: [repo.url], fresh_for: '1h', ...over } },
  });
  return { base: `${trove.url}/maven`, repo, paths };
}

describe('maven artifacts', () => {
  it('serves a release verified, with X-Checksum headers, fetched once', async () => {
    const { base, repo: r, paths } = await setup();
    const jar = r.files.get(paths.jar) as Buffer;
    const first = await get(`${base}/${paths.jar}`);
    expect(first.status).toBe(200);
    expect(first.body.equals(jar)).toBe(true);
    const again = await get(`${base}/${paths.jar}`, { method: 'HEAD' });
    expect(again.headers['x-checksum-sha1']).toBe(hex('sha1', jar));
    expect(again.headers['x-checksum-md5']).toBe(hex('md5', jar));
    expect(again.headers['x-checksum-sha256']).toBe(hex('sha256', jar));
    expect(r.server.count(`/${paths.jar}`)).toBe(1);
    const sha1 = await get(`${base}/${paths.jar}.sha1`);
    expect(sha1.body.toString().trim()).toBe(hex('sha1', jar));
  });

  it('refuses a jar that does not match the repository sidecar, and keeps nothing', async () => {
    const { base, repo: r, paths } = await setup();
    const jar = r.files.get(paths.jar) as Buffer;
    const bad = Buffer.from(jar);
    bad.writeUInt8(bad.readUInt8(40) ^ 1, 40);
    r.swapped.set(paths.jar, bad);
    const res = await get(`${base}/${paths.jar}`);
    expect(res.status).toBe(502);
    expect(res.headers['x-trove-error']).toBe('TROVE_ERR_VERIFY');
    r.swapped.clear();
    expect((await get(`${base}/${paths.jar}`)).body.equals(jar)).toBe(true);
  });

  it('checks X-Checksum headers the repository sends', async () => {
    const u = await upstream();
    const body = Buffer.from('jar bytes');
    u.file('/g/a/1/a-1.jar', body, { 'x-checksum-sha1': hex('sha1', Buffer.from('other')) });
    trove = await startTrove({ instances: { maven: { type: 'maven', upstreams: [`${u.url}/`] } } });
    const res = await get(`${trove.url}/maven/g/a/1/a-1.jar`);
    expect(res.status).toBe(502);
  });

  it('makes a missing sidecar from the file it keeps', async () => {
    const { base, repo: r, paths } = await setup();
    r.noSidecars.add(paths.pom);
    const pom = r.files.get(paths.pom) as Buffer;
    for (const alg of ['sha1', 'md5', 'sha256', 'sha512']) {
      const res = await get(`${base}/${paths.pom}.${alg}`);
      expect(res.status, alg).toBe(200);
      expect(res.body.toString()).toBe(hex(alg, pom));
    }
  });
});

describe('maven metadata', () => {
  it('revalidates metadata, and its checksums always match the copy Trove serves', async () => {
    const { base, repo: r } = await setup({ fresh_for: '1ms' });
    const path = 'com/example/lib/maven-metadata.xml';
    const v1 = await get(`${base}/${path}`);
    expect(v1.body.toString()).toContain('<version>1.0</version>');
    await r.publish({ ...LIB, version: '1.1' });
    // The checksum is of the copy Trove has, even though the repository has moved on.
    const sum = await get(`${base}/${path}.sha1`);
    expect(sum.body.toString()).toBe(hex('sha1', v1.body));
    const v2 = await get(`${base}/${path}`, { headers: {} });
    const later = v2.body.toString().includes('1.1') ? v2 : await get(`${base}/${path}`);
    expect(later.body.toString()).toContain('<version>1.1</version>');
    const sum2 = await get(`${base}/${path}.sha1`);
    expect(sum2.body.toString()).toBe(hex('sha1', later.body));
  });

  it('refuses metadata that is not a <metadata> document', async () => {
    const u = await upstream();
    u.file('/g/a/maven-metadata.xml', '<html>login</html>');
    trove = await startTrove({ instances: { maven: { type: 'maven', upstreams: [`${u.url}/`] } } });
    const res = await get(`${trove.url}/maven/g/a/maven-metadata.xml`);
    expect(res.status).toBe(502);
  });

  it('revalidates SNAPSHOT files', async () => {
    const { base, repo: r } = await setup({ fresh_for: '1ms' });
    const snap: Gav = { ...LIB, version: '2.0-SNAPSHOT' };
    const { jar } = await r.publish(snap, [], 'build 1');
    const one = await get(`${base}/${jar}`);
    await r.publish(snap, [], 'build 2');
    await new Promise((res) => setTimeout(res, 5));
    let two = await get(`${base}/${jar}`);
    if (two.body.equals(one.body)) two = await get(`${base}/${jar}`);
    expect(two.body.equals(r.files.get(jar) as Buffer)).toBe(true);
    expect(two.body.equals(one.body)).toBe(false);
  });
});

describe('maven upstream trouble', () => {
  it('answers 404 for what the repository lacks and 503 when it is down, never 404', async () => {
    const { base, repo: r } = await setup();
    expect((await get(`${base}/com/example/none/1.0/none-1.0.jar`)).status).toBe(404);
    await r.stop();
    const down = await get(`${base}/com/example/other/1.0/other-1.0.jar`);
    expect(down.status).toBe(503);
    const meta = await get(`${base}/com/example/other/maven-metadata.xml`);
    expect(meta.status).toBe(503);
    const sum = await get(`${base}/com/example/other/maven-metadata.xml.sha1`);
    expect(sum.status).toBe(503);
  });

  it('asks the fallback repository on 404 only', async () => {
    const main = await MavenRepo.start();
    const portal = await MavenRepo.start();
    try {
      const plugin: Gav = { group: 'org.gradle', artifact: 'plugin', version: '1.0' };
      const p = await portal.publish(plugin);
      trove = await startTrove({
        instances: { maven: { type: 'maven', upstreams: [main.url], fallback: [portal.url] } },
      });
      const base = `${trove.url}/maven`;
      const got = await get(`${base}/${p.jar}`);
      expect(got.status).toBe(200);
      expect(got.body.equals(portal.files.get(p.jar) as Buffer)).toBe(true);
      expect(main.server.count(`/${p.jar}`)).toBe(1);
      await main.stop();
      const other = await portal.publish({ ...plugin, version: '2.0' });
      const down = await get(`${base}/${other.jar}`);
      expect(down.status).toBe(503);
      expect(portal.server.count(`/${other.jar}`)).toBe(0);
    } finally {
      await main.stop();
      await portal.stop();
    }
  });

  it('refuses writes and bad paths', async () => {
    const { base } = await setup();
    expect((await get(`${base}/com/example/lib/1.0/lib-1.0.jar`, { method: 'PUT' })).status).toBe(
      405,
    );
    expect((await get(`${base}/`)).status).toBe(404);
  });
});
