// apt, dnf and pacman against a Trove that requires credentials, each in its own convention:
// apt's auth.conf, dnf's repository username/password, pacman's credentials in the server URL.
// Anonymous clients and wrong passwords get 401; a read-only user installs what is cached and
// nothing else. Linux repositories are named by path below the mount.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../helpers/access-users.js';
import { AptRepo, aptArgs } from '../helpers/apt-repo.js';
import { PacmanRepo, pacmanArgs } from '../helpers/pacman-repo.js';
import { endRepoTest } from '../helpers/repo-e2e.js';
import { RpmRepo, dnfArgs } from '../helpers/rpm-repo.js';
import { runCommand, type Ran } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

type User = { user: string; password: string };
const DENIED = ['**/trove-secret*'];

/** Trove over a fixture archive with alice (fetch) and bob (cached only, no trove-secret). */
async function guardedTrove(name: string, type: string, url: string, work: string) {
  return startTrove(
    {
      access: users.accessSection(users.writeHtpasswd(work)),
      instances: {
        [name]: {
          type,
          upstreams: [url],
          refresh_interval: '1h',
          access: users.instanceAccess(DENIED),
        },
      },
    },
    { keepDir: true },
  );
}

describe.skipIf(!requireTools('apt-get', 'apt-ftparchive', 'gpg', 'dpkg-deb', 'xz'))(
  'apt with client authentication (auth.conf)',
  () => {
    let repo: AptRepo;
    let trove: TestTrove;
    let work: string;
    let n = 0;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trove-apt-access-'));
      repo = await AptRepo.create();
      for (const name of ['trove-hello', 'trove-world', 'trove-secret']) {
        repo.build({ name, version: '1.0' });
      }
      repo.publish('stable', { byHash: true, validFor: 86_400 });
      await repo.serve();
      trove = await guardedTrove('debian', 'deb', repo.url, work);
    });
    afterAll(() => endRepoTest(trove, repo, work));

    const client = (user?: User) => {
      const dir = join(work, `client-${n++}`);
      const args = aptArgs(dir);
      const base = `${trove.url}/debian`;
      writeFileSync(
        join(dir, 'etc', 'sources.list'),
        `deb [signed-by=${repo.keyring}] ${base} stable main\n`,
      );
      // apt sends auth.conf credentials over plain HTTP only for an http:// machine entry.
      const auth = join(dir, 'etc', 'auth.conf');
      writeFileSync(
        auth,
        user ? `machine ${base}/ login ${user.user} password ${user.password}\n` : '',
      );
      return (...a: string[]): Promise<Ran> =>
        runCommand('apt-get', [...args, '-o', `Dir::Etc::netrc=${auth}`, ...a], {
          cwd: dir,
          timeoutMs: 60_000,
        });
    };

    it('refuses an anonymous client and a wrong password with 401', async () => {
      for (const apt of [client(), client({ user: users.ALICE.user, password: 'nope' })]) {
        const r = await apt('update');
        expect(r.out + r.err).toMatch(/401\s+Unauthorized/);
      }
    });

    it('updates and downloads with auth.conf credentials', async () => {
      const apt = client(users.ALICE);
      const up = await apt('update');
      expect(up.code, up.err).toBe(0);
      expect(up.err).not.toMatch(/^(W|E):/m);
      const dl = await apt('download', 'trove-hello', 'trove-secret');
      expect(dl.code, dl.err).toBe(0);
    });

    it('lets a read-only user update and download what is cached, and nothing else', async () => {
      const apt = client(users.BOB);
      const up = await apt('update');
      expect(up.code, up.err).toBe(0);
      expect((await apt('download', 'trove-hello')).code).toBe(0);
      const miss = await apt('download', 'trove-world');
      expect(miss.code).not.toBe(0);
      expect(miss.err).toMatch(/403\s+Forbidden/);
      const denied = await apt('download', 'trove-secret');
      expect(denied.code).not.toBe(0);
      expect(denied.err).toMatch(/403\s+Forbidden/);
      expect(repo.server?.hits.get('/pool/main/t/trove-world/trove-world_1.0_all.deb') ?? 0).toBe(
        0,
      );
    });
  },
);

describe.skipIf(!requireTools('dnf', 'rpmbuild', 'createrepo_c'))(
  'dnf with client authentication (repository username and password)',
  () => {
    let repo: RpmRepo;
    let trove: TestTrove;
    let work: string;
    let n = 0;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trove-dnf-access-'));
      repo = RpmRepo.create();
      for (const name of ['trove-hello', 'trove-world', 'trove-secret']) {
        repo.build({ name, version: '1.0' }, 'os');
      }
      repo.publish('os');
      await repo.serve();
      trove = await guardedTrove('fedora', 'rpm', repo.url, work);
    });
    afterAll(() => endRepoTest(trove, repo, work));

    const client = (user?: User) => {
      const dir = join(work, `client-${n++}`);
      const args = dnfArgs(dir, `${trove.url}/fedora/os/`);
      const creds = user
        ? [`--setopt=trove.username=${user.user}`, `--setopt=trove.password=${user.password}`]
        : [];
      return (...a: string[]): Promise<Ran> =>
        runCommand('dnf', [...args, ...creds, ...a], { cwd: dir, timeoutMs: 120_000 });
    };

    it('refuses an anonymous client and a wrong password with 401', async () => {
      for (const dnf of [client(), client({ user: users.ALICE.user, password: 'nope' })]) {
        const r = await dnf('install', 'trove-hello');
        expect(r.code).not.toBe(0);
        expect(r.out + r.err).toMatch(/401/);
      }
    });

    it('installs with the repository username and password', async () => {
      const r = await client(users.ALICE)('install', 'trove-hello', 'trove-secret');
      expect(r.code, r.err).toBe(0);
    });

    it('lets a read-only user install what is cached, and nothing else', async () => {
      expect((await client(users.BOB)('install', 'trove-hello')).code).toBe(0);
      for (const pkg of ['trove-world', 'trove-secret']) {
        const r = await client(users.BOB)('install', pkg);
        expect(r.code, pkg).not.toBe(0);
        expect(r.out + r.err).toMatch(/403/);
      }
      expect(repo.server?.hits.get('/os/Packages/trove-world-1.0-1.noarch.rpm') ?? 0).toBe(0);
    });
  },
);

describe.skipIf(!requireTools('pacman', 'repo-add', 'bsdtar', 'zstd'))(
  'pacman with client authentication (credentials in the server URL)',
  () => {
    let repo: PacmanRepo;
    let trove: TestTrove;
    let work: string;
    let n = 0;

    beforeAll(async () => {
      work = mkdtempSync(join(tmpdir(), 'trove-pacman-access-'));
      repo = PacmanRepo.create();
      for (const name of ['trove-hello', 'trove-world', 'trove-secret']) {
        repo.build({ name, version: '1.0' });
      }
      repo.publish('core');
      await repo.serve();
      trove = await guardedTrove('arch', 'pacman', repo.url, work);
    });
    afterAll(() => endRepoTest(trove, repo, work));

    const client = (user?: User) => {
      const dir = join(work, `client-${n++}`);
      const base = user
        ? trove.url.replace('http://', `http://${user.user}:${user.password}@`)
        : trove.url;
      const args = pacmanArgs(dir, `${base}/arch`);
      return (...a: string[]): Promise<Ran> =>
        runCommand('pacman', [...args, ...a], { cwd: dir, timeoutMs: 60_000 });
    };

    it('refuses an anonymous client and a wrong password with 401', async () => {
      for (const pacman of [client(), client({ user: users.ALICE.user, password: 'nope' })]) {
        const r = await pacman('-Sy', 'trove-hello');
        expect(r.code).not.toBe(0);
        expect(r.out + r.err).toMatch(/401/);
      }
    });

    it('syncs and installs with credentials in the server URL', async () => {
      const r = await client(users.ALICE)('-Sy', 'trove-hello', 'trove-secret');
      expect(r.code, r.err + r.out).toBe(0);
    });

    it('lets a read-only user install what is cached, and nothing else', async () => {
      const ok = await client(users.BOB)('-Sy', 'trove-hello');
      expect(ok.code, ok.err + ok.out).toBe(0);
      for (const pkg of ['trove-world', 'trove-secret']) {
        const r = await client(users.BOB)('-Sy', pkg);
        expect(r.code, pkg).not.toBe(0);
        expect(r.out + r.err).toMatch(/403/);
      }
    });
  },
);
