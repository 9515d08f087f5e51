// pacman 6 through Trove against a repo-add mirror on loopback: sync and install; a second
// sync is a 304 (If-Modified-Since answered from the kept database); a new publication picked
// up; a rebuilt same-name package refused; the files database for `pacman -F`; embedded
// signatures verified; the mirror stopped, and Trove restarted on its cache, still sync and
// install.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilServed } from '../helpers/client.js';
import { PacmanRepo, pacmanArgs } from '../helpers/pacman-repo.js';
import { recorder } from '../helpers/recorder.js';
import { runCommand, type Ran } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { endRepoTest, repoConfig, troveOver } from '../helpers/repo-e2e.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const CORE = PacmanRepo.dir('core');

describe.skipIf(!requireTools('pacman', 'repo-add', 'bsdtar', 'zstd'))(
  'pacman through Trove',
  () => {
    let repo: PacmanRepo;
    let trove: TestTrove;
    let work: string;
    let clients = 0;
    const config = repoConfig('arch', 'pacman');

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trove-pacman-e2e-'));
      repo = PacmanRepo.create();
      repo.build({ name: 'trove-hello', version: '1.0', sig: true });
      repo.build({ name: 'trove-world', version: '2.0', filler: 200_000 });
      repo.publish('core');
      trove = await troveOver(repo, config);
    });
    afterAll(() => endRepoTest(trove, repo, work));

    /** A fresh pacman state pointing at Trove. */
    const client = () => {
      const dir = join(work, `client-${clients++}`);
      const args = pacmanArgs(dir, `${trove.url}/arch`);
      return {
        dir,
        root: join(dir, 'root'),
        pacman: (...a: string[]): Promise<Ran> =>
          runCommand('pacman', [...args, ...a], { cwd: dir, timeoutMs: 60_000 }),
      };
    };
    const served = (path: string): Promise<Response> => fetch(`${trove.url}/arch/${path}`);
    const payload = (root: string, name: string): string =>
      readFileSync(join(root, 'usr', 'share', name, 'payload'), 'utf8');

    it('syncs and installs through Trove; a second sync is a 304; packages are hits', async () => {
      const c = client();
      const r = await c.pacman('-Sy', 'trove-hello', 'trove-world');
      expect(r.code, r.err + r.out).toBe(0);
      expect(payload(c.root, 'trove-hello')).toBe('trove-hello 1.0\n');
      expect(existsSync(join(c.root, 'usr', 'share', 'trove-world', 'filler'))).toBe(true);
      // pacman sends If-Modified-Since with its copy's date: unchanged, the answer is a 304.
      const { url, seen, stop } = await recorder(trove.url);
      try {
        const sync = pacmanArgs(join(work, `client-${clients++}`), `${url}/arch`);
        for (let i = 0; i < 2; i++) {
          const r = await runCommand('pacman', [...sync, '-Sy'], { timeoutMs: 60_000 });
          expect(r.code, r.err).toBe(0);
        }
      } finally {
        await stop();
      }
      const db = seen.filter((s) => s.path.endsWith('/core.db'));
      expect(db.map((s) => s.status)).toEqual([200, 304]);
      const pkg = `${CORE}/trove-world-2.0-1-any.pkg.tar.zst`;
      const hit = await served(pkg);
      expect(hit.headers.get('x-cache')).toBe('HIT');
      expect(Buffer.from(await hit.arrayBuffer())).toEqual(repo.file(pkg));
      expect(repo.server?.hits.get(`/${pkg}`)).toBe(1);
    });

    it('serves the signature the database embeds, verified, and refuses one that differs', async () => {
      const sig = `${CORE}/trove-hello-1.0-1-any.pkg.tar.zst.sig`;
      const good = repo.file(sig);
      repo.write(sig, Buffer.concat([good.subarray(1), Buffer.from('x')]));
      const bad = await served(sig);
      expect(bad.status).toBe(502);
      expect(bad.headers.get('x-trove-error')).toBe('TROVE_ERR_VERIFY');
      await bad.arrayBuffer();
      repo.write(sig, good);
      expect(Buffer.from(await (await served(sig)).arrayBuffer())).toEqual(good);
      expect((await served(sig)).headers.get('x-cache')).toBe('HIT');
    });

    it('picks up a new publication, and fetches the files database for pacman -F', async () => {
      repo.build({ name: 'trove-hello', version: '1.1', payload: 'newer\n' });
      rmSync(join(repo.root, `${CORE}/trove-hello-1.0-1-any.pkg.tar.zst`));
      repo.publish('core');
      await untilServed(`${trove.url}/arch/${CORE}/core.db`, repo.file(`${CORE}/core.db`));
      const c = client();
      const r = await c.pacman('-Sy', 'trove-hello');
      expect(r.code, r.err).toBe(0);
      expect(payload(c.root, 'trove-hello')).toBe('newer\n');
      const f = await c.pacman('-Fy');
      expect(f.code, f.err).toBe(0);
      const owner = await c.pacman('-F', 'usr/share/trove-world/filler');
      expect(owner.code, owner.err).toBe(0);
      expect(owner.out).toMatch(/core\/trove-world 2\.0-1/);
    });

    it('refuses a rebuilt package whose bytes no longer match the database, and never keeps it', async () => {
      repo.build({ name: 'trove-again', version: '1.0' });
      repo.publish('core');
      await untilServed(`${trove.url}/arch/${CORE}/core.db`, repo.file(`${CORE}/core.db`));
      const rel = `${CORE}/trove-again-1.0-1-any.pkg.tar.zst`;
      const good = repo.file(rel);
      repo.build({ name: 'trove-again', version: '1.0', payload: 'rebuilt\n' });
      expect(repo.file(rel)).not.toEqual(good);
      const c = client();
      expect((await c.pacman('-Sy', 'trove-again')).code).not.toBe(0);
      const res = await served(rel);
      expect(res.status).toBe(502);
      expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_VERIFY');
      await res.arrayBuffer();
      repo.write(rel, good);
      const ok = await c.pacman('-S', 'trove-again');
      expect(ok.code, ok.err).toBe(0);
    });

    it('syncs and installs with the mirror stopped, and after a restart on its cache', async () => {
      await repo.stop();
      const c = client();
      const r = await c.pacman('-Sy', 'trove-world');
      expect(r.code, r.err).toBe(0);
      const dir = trove.dir;
      await trove.stop();
      trove = await startTrove(config('http://127.0.0.1:9/'), { dir, keepDir: true });
      const after = client();
      const r2 = await after.pacman('-Sy', 'trove-world', 'trove-hello');
      expect(r2.code, r2.err).toBe(0);
      expect(payload(after.root, 'trove-hello')).toBe('newer\n');
    });
  },
);
