// dnf 4 through Trove against RPM repositories on loopback (rpmbuild + createrepo_c): install
// from a baseurl; a new publication picked up whole; repodata that does not match repomd.xml
// refused (the old set stays); a rebuilt same-name .rpm refused; sha512 and sha1 repositories
// with xz repodata; zckdl's multi-range delta download from a zchunk repository; the upstream
// stopped, and Trove restarted on its cache, still install.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilServed } from '../helpers/client.js';
import { sleep } from '../helpers/fake-upstream.js';
import { recorder } from '../helpers/recorder.js';
import { RpmRepo, dnfArgs } from '../helpers/rpm-repo.js';
import { runCommand, type Ran } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { endRepoTest, repoConfig, troveOver } from '../helpers/repo-e2e.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe.skipIf(!requireTools('dnf', 'rpmbuild', 'createrepo_c', 'zckdl'))(
  'dnf through Trove',
  () => {
    let repo: RpmRepo;
    let trove: TestTrove;
    let work: string;
    let clients = 0;
    const config = repoConfig('fedora', 'rpm');

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trove-dnf-e2e-'));
      repo = RpmRepo.create();
      repo.build({ name: 'trove-hello', version: '1.0' }, 'os');
      repo.build({ name: 'trove-world', version: '2.0', filler: 200_000 }, 'os');
      repo.publish('os');
      trove = await troveOver(repo, config);
    });
    afterAll(() => endRepoTest(trove, repo, work));

    /** A fresh dnf state for the repository at `path` below the instance. */
    const client = (path = 'os') => {
      const dir = join(work, `client-${clients++}`);
      const args = dnfArgs(dir, `${trove.url}/fedora/${path}/`);
      return {
        dir,
        root: join(dir, 'root'),
        dnf: (...a: string[]): Promise<Ran> =>
          runCommand('dnf', [...args, ...a], { cwd: dir, timeoutMs: 120_000 }),
      };
    };
    const installed = (root: string, name: string): string =>
      readFileSync(join(root, 'usr', 'share', name, 'payload'), 'utf8');
    const served = (path: string): Promise<Response> => fetch(`${trove.url}/fedora/${path}`);
    /** Waits (bounded) until Trove serves this repomd.xml: a refresh picked up a publication. */
    const repomdServed = (text: string, path = 'os'): Promise<void> =>
      untilServed(`${trove.url}/fedora/${path}/repodata/repomd.xml`, text);

    it('installs through Trove, each file verified; the package is a hit afterwards', async () => {
      const c = client();
      const r = await c.dnf('install', 'trove-hello', 'trove-world');
      expect(r.code, r.err).toBe(0);
      expect(installed(c.root, 'trove-hello')).toBe('trove-hello 1.0\n');
      expect(existsSync(join(c.root, 'usr', 'share', 'trove-world', 'filler'))).toBe(true);
      const hit = await served('os/Packages/trove-world-2.0-1.noarch.rpm');
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(sha256(Buffer.from(await hit.arrayBuffer()))).toBe(
        sha256(repo.file('os/Packages/trove-world-2.0-1.noarch.rpm')),
      );
      expect(repo.server?.hits.get('/os/Packages/trove-world-2.0-1.noarch.rpm')).toBe(1);
    });

    it('picks up a new publication whole', async () => {
      repo.build({ name: 'trove-hello', version: '1.1', payload: 'newer\n' }, 'os');
      await repomdServed(repo.publish('os'));
      const c = client();
      const r = await c.dnf('install', 'trove-hello-1.1');
      expect(r.code, r.err).toBe(0);
      expect(installed(c.root, 'trove-hello')).toBe('newer\n');
    });

    it('refuses repodata that does not match repomd.xml, and keeps the set it has', async () => {
      const before = await (await served('os/repodata/repomd.xml')).text();
      repo.build({ name: 'trove-bad', version: '1.0' }, 'os');
      const text = repo.publish('os');
      const primary = repo.repodata('os').find((f) => f.endsWith('-primary.xml.gz')) as string;
      const rel = `os/repodata/${primary}`;
      repo.write(rel, Buffer.concat([repo.file(rel), Buffer.from('x')]));
      await sleep(2_500);
      expect(await (await served('os/repodata/repomd.xml')).text()).toBe(before);
      expect(text).not.toBe(before);
      const c = client();
      expect((await c.dnf('install', 'trove-bad')).code).not.toBe(0);
      const ok = await c.dnf('install', 'trove-hello');
      expect(ok.code, ok.err).toBe(0);
      // Repaired upstream: the next refresh publishes it.
      await repomdServed(repo.publish('os'));
      const fixed = await client().dnf('install', 'trove-bad');
      expect(fixed.code, fixed.err).toBe(0);
    });

    it('refuses a rebuilt package whose bytes no longer match primary, and never keeps it', async () => {
      repo.build({ name: 'trove-again', version: '1.0' }, 'os');
      await repomdServed(repo.publish('os'));
      const rel = 'os/Packages/trove-again-1.0-1.noarch.rpm';
      const good = repo.file(rel);
      repo.build({ name: 'trove-again', version: '1.0', payload: 'rebuilt\n' }, 'os');
      expect(repo.file(rel)).not.toEqual(good);
      const c = client();
      expect((await c.dnf('install', 'trove-again')).code).not.toBe(0);
      const res = await served(rel);
      expect(res.status).toBe(502);
      expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_VERIFY');
      await res.arrayBuffer();
      repo.write(rel, good);
      const ok = await c.dnf('install', 'trove-again');
      expect(ok.code, ok.err).toBe(0);
    });

    it('verifies sha512 and sha1 repositories with xz repodata', async () => {
      for (const checksum of ['sha512', 'sha1'] as const) {
        const dir = `el-${checksum}`;
        repo.build({ name: `trove-${checksum}`, version: '1.0' }, dir);
        repo.publish(dir, { checksum, compress: 'xz' });
        const c = client(dir);
        const r = await c.dnf('install', `trove-${checksum}`);
        expect(r.code, r.err).toBe(0);
        const hit = await served(`${dir}/Packages/trove-${checksum}-1.0-1.noarch.rpm`);
        expect(hit.headers.get('x-cache')).toBe('HIT');
        await hit.arrayBuffer();
      }
    });

    it('answers zckdl multi-range requests for a zchunk delta from the cache', async () => {
      // Old and new share most packages: the new file's missing chunks are scattered.
      for (const n of ['a', 'c', 'e', 'g', 'i', 'k', 'm', 'o']) {
        repo.build({ name: `trove-zck-${n}`, version: '1.0' }, 'zck');
      }
      repo.publish('zck', { zck: true });
      const name = (): string =>
        repo.repodata('zck').find((f) => f.endsWith('-primary.xml.zck')) as string;
      const old = name();
      const source = join(work, 'old-primary.xml.zck');
      writeFileSync(source, repo.file(`zck/repodata/${old}`));
      for (const n of ['b', 'f', 'l'])
        repo.build({ name: `trove-zck-${n}`, version: '1.0' }, 'zck');
      await repomdServed(repo.publish('zck', { zck: true }), 'zck');
      const next = name();
      // Into the cache whole first (a miss streams the whole file).
      const warm = await served(`zck/repodata/${next}`);
      expect(warm.status).toBe(200);
      await warm.arrayBuffer();
      const before = repo.server?.hits.get(`/zck/repodata/${next}`) ?? 0;
      const dir = mkdtempSync(join(work, 'zckdl-'));
      const { url, seen, stop } = await recorder(trove.url);
      try {
        const r = await runCommand(
          'zckdl',
          ['--fail-no-ranges', '-s', source, `${url}/fedora/zck/repodata/${next}`],
          { cwd: dir, timeoutMs: 60_000 },
        );
        expect(r.code, r.err + r.out).toBe(0);
      } finally {
        await stop();
      }
      expect(readFileSync(join(dir, next))).toEqual(repo.file(`zck/repodata/${next}`));
      // Several ranges in one request, answered as multipart from the cache; none went upstream.
      const multi = seen.filter((s) => s.range.includes(','));
      expect(multi.length).toBeGreaterThan(0);
      for (const s of multi) {
        expect(s.status).toBe(206);
        expect(s.type).toMatch(/^multipart\/byteranges; boundary=/);
      }
      expect(repo.server?.hits.get(`/zck/repodata/${next}`) ?? 0).toBe(before);
    });

    it('installs with the upstream stopped, and after a restart on its cache', async () => {
      await repo.stop();
      const c = client();
      const r = await c.dnf('install', 'trove-hello', 'trove-world');
      expect(r.code, r.err).toBe(0);
      const dir = trove.dir;
      await trove.stop();
      trove = await startTrove(config('http://127.0.0.1:9/'), { dir, keepDir: true });
      const after = client();
      const r2 = await after.dnf('install', 'trove-world');
      expect(r2.code, r2.err).toBe(0);
      expect(existsSync(join(after.root, 'usr', 'share', 'trove-world', 'filler'))).toBe(true);
    });
  },
);
