// mvn against a Trove that requires credentials: a settings.xml <server> for the mirror, the
// 401 a build without credentials or with a wrong password gets, and a read-only user whose
// build resolves what is cached and nothing else. Rules name `groupId:artifactId`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../helpers/access-users.js';
import { MavenRepo, mavenAvailable, mavenProject, type Gav } from '../helpers/maven-repo.js';
import { runCommand } from '../helpers/run.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = mavenAvailable();

describe.skipIf(!enabled)('mvn with client authentication', () => {
  const APP: Gav = { group: 'com.example', artifact: 'app', version: '1.0' };
  const OTHER: Gav = { group: 'com.example', artifact: 'other', version: '1.0' };
  const HIDDEN: Gav = { group: 'com.secret', artifact: 'hidden', version: '1.0' };
  let repo: MavenRepo;
  let trove: TestTrove;
  let work: string;
  let runs = 0;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-mvn-access-'));
    repo = await MavenRepo.start(true);
    for (const g of [APP, OTHER, HIDDEN]) await repo.publish(g);
    trove = await startTrove({
      access: users.accessSection(users.writeHtpasswd(work)),
      instances: {
        maven: {
          type: 'maven',
          upstreams: [repo.url],
          access: users.instanceAccess(['com.secret:*']),
        },
      },
    });
  });
  afterAll(async () => {
    await trove?.stop();
    await repo?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** `mvn compile` of a project depending on `dep`, with these credentials for the mirror. */
  const build = async (dep: Gav, user?: { user: string; password: string }) => {
    const n = runs++;
    const dir = join(work, `app-${n}`);
    mavenProject(dir, n, dep);
    const server = user
      ? `<servers><server><id>trove</id><username>${user.user}</username><password>${user.password}</password></server></servers>`
      : '';
    const settings = join(work, `settings-${n}.xml`);
    writeFileSync(
      settings,
      `<settings>${server}<mirrors><mirror><id>trove</id><mirrorOf>*</mirrorOf><url>${trove.url}/maven/</url></mirror></mirrors></settings>\n`,
    );
    const local = join(work, `repo-${n}`);
    const r = await runCommand(
      'mvn',
      ['-B', '-s', settings, `-Dmaven.repo.local=${local}`, 'compile'],
      {
        cwd: dir,
        timeoutMs: 240_000,
      },
    );
    return { code: r.code, out: r.out + r.err };
  };

  it('refuses a build without credentials, and with a wrong password, with 401', async () => {
    const anon = await build(APP);
    expect(anon.code).not.toBe(0);
    expect(anon.out).toMatch(/status code: 401|401 Unauthorized/);
    const wrong = await build(APP, { user: users.ALICE.user, password: 'nope' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/status code: 401|401 Unauthorized/);
  });

  it('builds with a <server> for the mirror', async () => {
    for (const dep of [APP, HIDDEN]) {
      const r = await build(dep, users.ALICE);
      expect(r.code, r.out.slice(-3000)).toBe(0);
    }
  });

  it('lets a read-only user build from what is cached, and nothing that needs a fetch', async () => {
    const ok = await build(APP, users.BOB);
    expect(ok.code, ok.out.slice(-3000)).toBe(0);
    const miss = await build(OTHER, users.BOB);
    expect(miss.code).not.toBe(0);
    expect(miss.out).toMatch(/status code: 403|403 Forbidden/);
    const denied = await build(HIDDEN, users.BOB);
    expect(denied.code).not.toBe(0);
    expect(denied.out).toMatch(/status code: 403|403 Forbidden/);
    // Nothing was asked upstream for bob's miss.
    expect(repo.requested.some((p) => p.includes('com/example/other'))).toBe(false);
  });
});
