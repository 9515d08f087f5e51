// The deb instance over HTTP against an apt-ftparchive archive on loopback: one set per
// connection across a publication, If-Modified-Since against the current set only, by-hash
// names verified by themselves, flat repositories, Valid-Until past with the archive down, and
// upstream trouble that never reads as "not found".
import { createHash } from 'node:crypto';
import { Client } from 'undici';
import { describe, expect, it } from 'vitest';
import { get, untilServed } from '../../helpers/client.js';
import { AptRepo } from '../../helpers/apt-repo.js';
import { metric } from '../../helpers/metrics.js';
import { FakeUpstream, sleep, stopAfterEach, until } from '../../helpers/fake-upstream.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';
import { requireTools } from '../../helpers/tools.js';
import { selfSignedCert } from '../../helpers/net-fixtures.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const BIN = 'dists/stable/main/binary-amd64';

let trove: TestTrove | undefined;
let repo: AptRepo | undefined;
let fake: FakeUpstream | undefined;
stopAfterEach(
  () => [trove, repo, fake],
  () => (trove = repo = fake = undefined),
);

async function archive(o: { byHash?: boolean; validFor?: number } = {}): Promise<AptRepo> {
  repo = await AptRepo.create();
  repo.build({ name: 'trove-hello', version: '1.0' });
  repo.publish('stable', { byHash: o.byHash ?? false, validFor: o.validFor ?? 86_400 });
  return repo.serve();
}

async function mirror(url: string, over: Record<string, unknown> = {}): Promise<string> {
  trove = await startTrove({
    instances: { deb: { type: 'deb', upstreams: [url], refresh_interval: '300ms', ...over } },
  });
  return `${trove.url}/deb`;
}

/** The SHA256 a Release text lists for a path. */
function listed(release: string, path: string): string {
  const section = release.slice(release.indexOf('SHA256:'));
  const m = new RegExp(`^ ([0-9a-f]{64})\\s+\\d+ ${path.replace(/[.]/g, '\\.')}$`, 'm').exec(
    section,
  );
  if (!m) throw new Error(`${path} not listed`);
  return m[1] as string;
}

describe.skipIf(!requireTools('apt-ftparchive', 'gpg', 'dpkg-deb', 'xz'))('deb mirror', () => {
  it('answers a connection from the set whose InRelease it read, across a publication', async () => {
    const r = await archive();
    const base = await mirror(r.url);
    const origin = new URL(base).origin;
    const prefix = new URL(base).pathname;
    const held = new Client(origin, { pipelining: 1 });
    const read = async (path: string): Promise<Buffer> => {
      const res = await held.request({ method: 'GET', path: `${prefix}/${path}` });
      return Buffer.from(await res.body.arrayBuffer());
    };
    try {
      const first = (await read('dists/stable/InRelease')).toString();
      expect(sha256(await read(`${BIN}/Packages.xz`))).toBe(
        listed(first, 'main/binary-amd64/Packages.xz'),
      );
      r.build({ name: 'trove-hello', version: '2.0' });
      const second = r.publish('stable', { validFor: 86_400 });
      await untilServed(`${base}/dists/stable/InRelease`, second);
      // Another connection reads the new set; this one still gets the indexes its InRelease lists.
      const fresh = await get(`${base}/${BIN}/Packages.xz`);
      expect(sha256(fresh.body)).toBe(listed(second, 'main/binary-amd64/Packages.xz'));
      expect(sha256(await read(`${BIN}/Packages.xz`))).toBe(
        listed(first, 'main/binary-amd64/Packages.xz'),
      );
      // Once it reads the new InRelease, it moves on with it.
      expect((await read('dists/stable/InRelease')).toString()).toBe(second);
      expect(sha256(await read(`${BIN}/Packages.xz`))).toBe(
        listed(second, 'main/binary-amd64/Packages.xz'),
      );
    } finally {
      await held.close();
    }
  });

  it('answers If-Modified-Since with 304 only for the current set', async () => {
    const r = await archive();
    const base = await mirror(r.url);
    const first = await get(`${base}/dists/stable/InRelease`);
    const stamp = first.headers['last-modified'] as string;
    expect(stamp).toBeTruthy();
    expect(
      (await get(`${base}/dists/stable/InRelease`, { headers: { 'if-modified-since': stamp } }))
        .status,
    ).toBe(304);
    await sleep(1_100); // a later mtime upstream
    r.build({ name: 'trove-hello', version: '2.0' });
    const second = r.publish('stable', { validFor: 86_400 });
    await untilServed(`${base}/dists/stable/InRelease`, second);
    const again = await get(`${base}/dists/stable/InRelease`, {
      headers: { 'if-modified-since': stamp },
    });
    expect(again.status).toBe(200);
    expect(again.body.toString()).toBe(second);
  });

  it('serves by-hash names from the set that lists them, and verifies unlisted ones by name', async () => {
    const r = await archive({ byHash: true });
    const base = await mirror(r.url);
    const release = (await get(`${base}/dists/stable/InRelease`)).body.toString();
    const hex = listed(release, 'main/binary-amd64/Packages.gz');
    const path = `${base}/${BIN}/by-hash/SHA256/${hex}`;
    const a = await get(path);
    expect(a.status).toBe(200);
    expect(sha256(a.body)).toBe(hex);
    expect((await get(path)).headers['x-cache']).toBe('HIT');
    // The same bytes by their plain name are the same cache entry.
    expect((await get(`${base}/${BIN}/Packages.gz`)).headers['x-cache']).toBe('HIT');
    // A name no set lists: fetched, and kept only if the bytes hash to it.
    const bogus = `${base}/${BIN}/by-hash/SHA256/${'ab'.repeat(32)}`;
    r.write(`${BIN}/by-hash/SHA256/${'ab'.repeat(32)}`, 'not these bytes');
    const refused = await get(bogus);
    expect(refused.status).toBe(502);
    expect(refused.headers['x-trove-error']).toBe('TROVE_ERR_VERIFY');
    expect((await get(`${base}/${BIN}/by-hash/SHA256/${'cd'.repeat(32)}`)).status).toBe(404);
  });

  it('mirrors a flat repository and verifies its packages', async () => {
    repo = await AptRepo.create();
    const [rel] = repo.publishFlat('flat', [repo.build({ name: 'trove-flat', version: '1.0' })]);
    await repo.serve();
    const base = await mirror(repo.url);
    expect((await get(`${base}/flat/InRelease`)).status).toBe(200);
    const pk = await get(`${base}/flat/Packages.gz`);
    expect(pk.status).toBe(200);
    expect(pk.headers['x-cache']).toBe('MISS');
    const deb = await get(`${base}/${rel}`);
    expect(deb.status).toBe(200);
    expect(deb.headers['x-cache']).toBe('MISS');
    expect(deb.body).toEqual(repo.file(rel as string));
    expect((await get(`${base}/${rel}`)).headers['x-cache']).toBe('HIT');
  });

  it('mirrors an HTTPS archive whose certificate a private CA signed, and only with that CA', async () => {
    repo = await AptRepo.create();
    const rel = repo.build({ name: 'trove-hello', version: '1.0' });
    repo.publish('stable', { byHash: true });
    const tls = selfSignedCert(['localhost']);
    await repo.serve(tls);
    const caFile = join(repo.dir, 'ca.pem');
    writeFileSync(caFile, tls.cert);
    trove = await startTrove({
      upstream: { ca_file: caFile },
      instances: { deb: { type: 'deb', upstreams: [repo.url] } },
    });
    const base = `${trove.url}/deb`;
    expect((await get(`${base}/dists/stable/InRelease`)).status).toBe(200);
    expect((await get(`${base}/${BIN}/Packages.xz`)).status).toBe(200);
    const deb = await get(`${base}/${rel}`);
    expect([deb.status, deb.headers['x-cache']]).toEqual([200, 'MISS']);
    expect(deb.body).toEqual(repo.file(rel));
    await trove.stop();
    // Without the CA the archive is unreachable: an error, never "not found".
    trove = await startTrove({ instances: { deb: { type: 'deb', upstreams: [repo.url] } } });
    const refused = await get(`${trove.url}/deb/dists/stable/InRelease`);
    expect(refused.status).toBeGreaterThanOrEqual(502);
    expect(refused.body.toString()).toMatch(/certificate/);
  });

  it('relays packages no set lists without keeping them', async () => {
    const r = await archive();
    const base = await mirror(r.url);
    await get(`${base}/dists/stable/InRelease`);
    await get(`${base}/${BIN}/Packages.xz`);
    const extra = r.build({ name: 'trove-unlisted', version: '1.0' });
    const a = await get(`${base}/${extra}`);
    expect(a.status).toBe(200);
    expect(a.headers['x-cache']).toBe('BYPASS');
    expect((await get(`${base}/${extra}`)).headers['x-cache']).toBe('BYPASS');
  });

  it('serves an expired set with the archive down, or answers 504 when told to', async () => {
    for (const expired of ['serve', 'fail'] as const) {
      // Valid-Until is whole seconds after Date (itself truncated): at least 1 s from now.
      const r = await archive({ validFor: 2 });
      const base = await mirror(r.url, { expired, first_wait: '1s' });
      const first = await get(`${base}/dists/stable/InRelease`);
      expect(first.status).toBe(200);
      await r.stop();
      await sleep(2_600);
      const late = await get(`${base}/dists/stable/InRelease`);
      if (expired === 'serve') {
        expect(late.status, late.body.toString()).toBe(200);
        expect(late.body).toEqual(first.body);
      } else {
        expect(late.status).toBe(504);
        expect(late.body.toString()).toMatch(/Valid-Until/);
      }
      await trove?.stop();
      await repo?.dispose();
      trove = repo = undefined;
    }
  });

  it('never answers 404 for an archive that is down, and 404 for one that does not exist', async () => {
    fake = await new FakeUpstream().start();
    let broken = true;
    fake.route('/dists/down/InRelease', (_q, res) => {
      res.writeHead(broken ? 503 : 404).end();
    });
    const base = await mirror(fake.url);
    const down = await get(`${base}/dists/down/InRelease`);
    expect(down.status).toBe(503);
    const none = await get(`${base}/dists/none/InRelease`);
    expect(none.status).toBe(404);
    const pk = await get(`${base}/dists/down/main/binary-amd64/Packages.xz`);
    expect(pk.status).not.toBe(404);
    const m = (await get(`${trove?.url}/metrics`)).body;
    // The one that does not exist is not kept; the one that is down waits for its first set.
    expect(metric(m, 'trove_repo_roots', { instance: 'deb', state: 'pending' })).toBe(1);
    broken = false;
  });

  it('keeps the last set and marks the root suspect while the archive fails', async () => {
    const r = await archive();
    const base = await mirror(r.url);
    const first = await get(`${base}/dists/stable/InRelease`);
    await r.stop();
    await sleep(800);
    const again = await get(`${base}/dists/stable/InRelease`);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    await until(async () => {
      const m = (await get(`${trove?.url}/metrics`)).body;
      return metric(m, 'trove_repo_roots', { instance: 'deb', state: 'suspect' }) === 1;
    }, 10_000);
  });
});
