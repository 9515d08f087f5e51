// apt 2.6 through Trove against a signed archive on loopback (apt-ftparchive + gpg): update and
// download; a new publication picked up whole; an InRelease whose Packages hash is wrong
// refused (the old set stays); a rebuilt same-name .deb refused; clients updating while the
// archive is republished never see a Hash Sum mismatch; the upstream stopped, and Trove
// restarted on its cache, still serve update and download.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AptRepo, aptArgs } from '../helpers/apt-repo.js';
import { untilServed } from '../helpers/client.js';
import { sleep } from '../helpers/fake-upstream.js';
import { runCommand, type Ran } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { endRepoTest, repoConfig, troveOver } from '../helpers/repo-e2e.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.skipIf(!requireTools('apt-get', 'apt-ftparchive', 'gpg', 'dpkg-deb', 'xz'))(
  'apt through Trove',
  () => {
    let repo: AptRepo;
    let trove: TestTrove;
    let work: string;
    let clients = 0;
    const config = repoConfig('debian', 'deb');

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trove-apt-e2e-'));
      repo = await AptRepo.create();
      repo.build({ name: 'trove-hello', version: '1.0' });
      repo.build({ name: 'trove-world', version: '2.0' });
      repo.publish('stable', { byHash: true, validFor: 86_400 });
      repo.build({ name: 'trove-flat', version: '0.1' }, 'contrib');
      trove = await troveOver(repo, config);
    });
    afterAll(() => endRepoTest(trove, repo, work));

    /** A fresh apt state pointing at `base`; returns a runner for apt-get in it. */
    const client = (base: string, suite = 'stable') => {
      const dir = join(work, `client-${clients++}`);
      const args = aptArgs(dir);
      writeFileSync(
        join(dir, 'etc', 'sources.list'),
        `deb [signed-by=${repo.keyring}] ${base} ${suite} main\n`,
      );
      return {
        dir,
        apt: (...a: string[]): Promise<Ran> =>
          runCommand('apt-get', [...args, ...a], { cwd: dir, timeoutMs: 60_000 }),
      };
    };

    const served = async (path: string): Promise<Response> => fetch(`${trove.url}/debian/${path}`);

    it('updates and downloads through Trove, verified byte for byte; a second update is a 304', async () => {
      const c = client(`${trove.url}/debian`);
      const up = await c.apt('update');
      expect(up.code, up.err).toBe(0);
      expect(up.err).not.toMatch(/^(W|E):/m);
      const dl = await c.apt('download', 'trove-hello', 'trove-world');
      expect(dl.code, dl.err).toBe(0);
      const got = readFileSync(join(c.dir, 'trove-hello_1.0_all.deb'));
      expect(sha256(got)).toBe(
        sha256(repo.file('pool/main/t/trove-hello/trove-hello_1.0_all.deb')),
      );
      const again = await c.apt('update');
      expect(again.code).toBe(0);
      expect(again.out).toMatch(/Hit:1 .* stable InRelease/);
      // The .deb is a cache hit now, from a verified copy.
      const hit = await served('pool/main/t/trove-hello/trove-hello_1.0_all.deb');
      expect(hit.headers.get('x-cache')).toBe('HIT');
      await hit.arrayBuffer();
    });

    it('picks up a new publication whole, and keeps serving packages of the one before', async () => {
      repo.build({ name: 'trove-hello', version: '1.1', payload: 'newer\n' });
      const text = repo.publish('stable', { byHash: true, validFor: 86_400 });
      await untilServed(`${trove.url}/debian/dists/stable/InRelease`, text);
      const c = client(`${trove.url}/debian`);
      expect((await c.apt('update')).code).toBe(0);
      const dl = await c.apt('download', 'trove-hello=1.1');
      expect(dl.code, dl.err).toBe(0);
      expect(readFileSync(join(c.dir, 'trove-hello_1.1_all.deb'))).toEqual(
        repo.file('pool/main/t/trove-hello/trove-hello_1.1_all.deb'),
      );
    });

    it('refuses an InRelease whose Packages do not match it, and keeps the set it has', async () => {
      const before = await (await served('dists/stable/InRelease')).text();
      repo.build({ name: 'trove-bad', version: '1.0' });
      const text = repo.publish('stable', { byHash: false, validFor: 86_400 });
      // The signed Release lists one Packages.xz; the archive then serves another.
      const bin = 'dists/stable/main/binary-amd64';
      repo.write(
        `${bin}/Packages.xz`,
        Buffer.concat([repo.file(`${bin}/Packages.xz`), Buffer.from('x')]),
      );
      await sleep(2_500);
      expect(await (await served('dists/stable/InRelease')).text()).toBe(before);
      expect(before).not.toBe(text);
      const c = client(`${trove.url}/debian`);
      const up = await c.apt('update');
      expect(up.code, up.err).toBe(0);
      expect(up.err).not.toMatch(/Hash Sum mismatch/);
      expect((await c.apt('download', 'trove-bad')).code).not.toBe(0);
      expect((await c.apt('download', 'trove-hello=1.1')).code).toBe(0);
      // Repaired upstream: the next refresh publishes it.
      repo.publish('stable', { byHash: false, validFor: 86_400 });
    });

    it('refuses a rebuilt package whose bytes no longer match Packages, and never keeps it', async () => {
      const text = repo.publish('stable', { byHash: true, validFor: 86_400 });
      await untilServed(`${trove.url}/debian/dists/stable/InRelease`, text);
      const c = client(`${trove.url}/debian`);
      expect((await c.apt('update')).code).toBe(0);
      const rel = 'pool/main/t/trove-bad/trove-bad_1.0_all.deb';
      const good = repo.file(rel);
      repo.build({ name: 'trove-bad', version: '1.0', payload: 'rebuilt with other bytes\n' });
      expect(repo.file(rel)).not.toEqual(good);
      const dl = await c.apt('download', 'trove-bad');
      expect(dl.code).not.toBe(0);
      const res = await served(rel);
      expect(res.status).toBe(502);
      expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_VERIFY');
      await res.arrayBuffer();
      repo.write(rel, good);
      const ok = await c.apt('download', 'trove-bad');
      expect(ok.code, ok.err).toBe(0);
      expect(readFileSync(join(c.dir, 'trove-bad_1.0_all.deb'))).toEqual(good);
    });

    it('never mixes sets while clients update during republication (no by-hash)', async () => {
      const runners = Array.from({ length: 3 }, () => client(`${trove.url}/debian`));
      let stop = false;
      const failures: string[] = [];
      const loops = runners.map(async (c) => {
        for (let i = 0; i < 6 && !stop; i++) {
          const r = await c.apt('update');
          if (r.code !== 0 || /Hash Sum mismatch|Mirror sync in progress/.test(r.err)) {
            failures.push(r.err);
          }
        }
      });
      for (let n = 0; n < 6; n++) {
        repo.build({ name: 'trove-churn', version: `1.${n}` });
        repo.publish('stable', { byHash: false, validFor: 86_400 });
        await sleep(400);
      }
      stop = true;
      await Promise.all(loops);
      expect(failures).toEqual([]);
    });

    it('updates and downloads from a flat repository (deb URL/flat ./)', async () => {
      const [rel] = repo.publishFlat('flat', [repo.build({ name: 'trove-flat', version: '3.0' })]);
      const dir = join(work, `client-${clients++}`);
      const args = aptArgs(dir);
      writeFileSync(
        join(dir, 'etc', 'sources.list'),
        `deb [signed-by=${repo.keyring}] ${trove.url}/debian/flat ./\n`,
      );
      const up = await runCommand('apt-get', [...args, 'update'], { cwd: dir });
      expect(up.code, up.err).toBe(0);
      const dl = await runCommand('apt-get', [...args, 'download', 'trove-flat'], { cwd: dir });
      expect(dl.code, dl.err).toBe(0);
      expect(readFileSync(join(dir, 'trove-flat_3.0_all.deb'))).toEqual(repo.file(rel as string));
    });

    it('serves update and download with the archive stopped, and after a restart on its cache', async () => {
      const text = repo.publish('stable', { byHash: true, validFor: 86_400 });
      await untilServed(`${trove.url}/debian/dists/stable/InRelease`, text);
      const warm = client(`${trove.url}/debian`);
      expect((await warm.apt('update')).code).toBe(0);
      expect((await warm.apt('download', 'trove-world')).code).toBe(0);
      await repo.stop();
      const cold = client(`${trove.url}/debian`);
      const up = await cold.apt('update');
      expect(up.code, up.err).toBe(0);
      expect((await cold.apt('download', 'trove-world')).code).toBe(0);
      const dir = trove.dir;
      await trove.stop();
      trove = await startTrove(config('http://127.0.0.1:9/'), { dir, keepDir: true });
      const after = client(`${trove.url}/debian`);
      const up2 = await after.apt('update');
      expect(up2.code, up2.err).toBe(0);
      const dl = await after.apt('download', 'trove-world', 'trove-hello');
      expect(dl.code, dl.err).toBe(0);
      expect(readFileSync(join(after.dir, 'trove-world_2.0_all.deb'))).toEqual(
        repo.file('pool/main/t/trove-world/trove-world_2.0_all.deb'),
      );
      // trove stats reads the roots from the index: both kept, the suite with its generation.
      await trove.stop();
      const cfg = join(work, 'stats.yaml');
      writeFileSync(
        cfg,
        `storage:\n  dir: ${dir}\ninstances:\n  debian:\n    type: deb\n    upstreams: ['http://127.0.0.1:9/']\n`,
      );
      const stats = await runCommand(process.execPath, [
        'dist/cli/main.js',
        'stats',
        '--json',
        '--config',
        cfg,
      ]);
      expect(stats.code, stats.err).toBe(0);
      const parsed = JSON.parse(stats.out) as {
        instances: Array<{
          instance: string;
          roots?: Array<{ path: string; state: string; generation: number }>;
        }>;
      };
      const roots = parsed.instances.find((i) => i.instance === 'debian')?.roots ?? [];
      expect(roots.map((r) => r.path).sort()).toEqual(['dists/stable', 'flat']);
      expect(roots.find((r) => r.path === 'dists/stable')?.generation).toBeGreaterThan(1);
      trove = await startTrove(config('http://127.0.0.1:9/'), { dir, keepDir: true });
    });
  },
);
