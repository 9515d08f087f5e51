// mvn 3.8.7 through Trove, with a settings.xml mirror of everything (`<mirrorOf>*</mirrorOf>`)
// at Trove and a fresh local repository each run. The upstream is a repository on loopback:
// fixture artifacts in front of this machine's ~/.m2/repository, whose files get sidecars as
// Central has them, so mvn's own plugins resolve through Trove too.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { M2, MavenRepo, mavenProject, type Gav } from '../helpers/maven-repo.js';
import { runCommand } from '../helpers/run.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

function mavenReady(): boolean {
  const r = spawnSync('mvn', ['-v'], { encoding: 'utf8' });
  const plugin = join(M2, 'org/apache/maven/plugins/maven-compiler-plugin/3.11.0');
  if (r.status === 0 && existsSync(plugin)) return true;
  const msg = 'mvn or ~/.m2/repository (maven-compiler-plugin 3.11.0) is missing';
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`\n!!! SKIPPING: ${msg}\n`);
  return false;
}

/** Every *.lastUpdated marker under a local repository (Maven's cached failures). */
function lastUpdated(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
    f.endsWith('.lastUpdated'),
  );
}

describe.skipIf(!mavenReady())('mvn through Trove', () => {
  const APP: Gav = { group: 'com.example', artifact: 'app', version: '1.0' };
  const LIB: Gav = { group: 'com.example', artifact: 'lib', version: '1.0' };
  const BASE: Gav = { group: 'org.example', artifact: 'base', version: '2.1' };
  const BAD: Gav = { group: 'com.example', artifact: 'bad', version: '1.0' };
  let repo: MavenRepo;
  let trove: TestTrove;
  let work: string;
  let runs = 0;
  let paths: Record<string, { jar: string; pom: string }> = {};

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-mvn-'));
    repo = await MavenRepo.start(true);
    paths = {
      base: await repo.publish(BASE),
      lib: await repo.publish(LIB, [BASE]),
      app: await repo.publish(APP, [LIB]),
      bad: await repo.publish(BAD),
    };
    trove = await startTrove(
      { instances: { maven: { type: 'maven', upstreams: [repo.url] } } },
      { keepDir: true },
    );
  });
  afterAll(async () => {
    await trove?.stop();
    await repo?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  const settings = (url: string): string => {
    const file = join(work, `settings-${runs}.xml`);
    writeFileSync(
      file,
      `<settings><mirrors><mirror><id>trove</id><mirrorOf>*</mirrorOf><url>${url}</url></mirror></mirrors></settings>\n`,
    );
    return file;
  };

  /** `mvn compile` of a project depending on `dep`, into a new local repository. */
  const build = async (dep: Gav, extra: string[] = []) => {
    const n = runs++;
    const dir = join(work, `app-${n}`);
    mavenProject(
      dir,
      n,
      dep,
      // Central, which the mirror stands for, has snapshots off: a repository that allows
      // them (mirrored to Trove like every other) lets SNAPSHOT dependencies resolve.
      '<repositories><repository><id>snapshots</id><url>https://snapshots.invalid/</url>' +
        '<snapshots><enabled>true</enabled></snapshots></repository></repositories>',
    );
    const local = join(work, `repo-${n}`);
    const r = await runCommand(
      'mvn',
      [
        '-B',
        '-s',
        settings(`${trove.url}/maven/`),
        `-Dmaven.repo.local=${local}`,
        ...extra,
        'compile',
      ],
      { cwd: dir, timeoutMs: 240_000 },
    );
    return { ...r, local };
  };

  const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

  it("resolves a dependency tree and mvn's own plugin through Trove, with strict checksums", async () => {
    const r = await build(APP, ['-C']);
    expect(r.code, r.out.slice(-3000)).toBe(0);
    for (const p of [paths['app'], paths['lib'], paths['base']]) {
      const jar = p?.jar as string;
      const got = readFileSync(join(r.local, jar));
      expect(sha1(got)).toBe(sha1(repo.files.get(jar) as Buffer));
    }
    expect(lastUpdated(r.local)).toEqual([]);
  });

  it('refuses a jar changed behind its sidecar, and keeps nothing', async () => {
    const jar = paths['bad']?.jar as string;
    const good = repo.files.get(jar) as Buffer;
    const bad = Buffer.from(good);
    bad.writeUInt8(bad.readUInt8(50) ^ 1, 50);
    repo.swapped.set(jar, bad);
    const r = await build(BAD);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/502/);
    repo.swapped.clear();
    const ok = await build(BAD, ['-C']);
    expect(ok.code, ok.out.slice(-2000)).toBe(0);
    expect(readFileSync(join(ok.local, jar)).equals(good)).toBe(true);
  });

  it('sees a SNAPSHOT rebuilt upstream once fresh_for has passed', async () => {
    const dir = trove.dir;
    await trove.app.close();
    trove = await startTrove(
      { instances: { maven: { type: 'maven', upstreams: [repo.url], fresh_for: '1s' } } },
      { dir },
    );
    const SNAP: Gav = { group: 'com.example', artifact: 'snap', version: '1.0-SNAPSHOT' };
    const { jar } = await repo.publish(SNAP, [], 'build 1');
    const one = await build(SNAP);
    expect(one.code, one.out.slice(-2000)).toBe(0);
    expect(readFileSync(join(one.local, jar)).equals(repo.files.get(jar) as Buffer)).toBe(true);
    await repo.publish(SNAP, [], 'build 2');
    await new Promise((r) => setTimeout(r, 1200));
    const two = await build(SNAP);
    expect(two.code, two.out.slice(-2000)).toBe(0);
    expect(readFileSync(join(two.local, jar)).equals(repo.files.get(jar) as Buffer)).toBe(true);
  });

  it('resolves from Trove alone after a restart with the repository stopped', async () => {
    const dir = trove.dir;
    await trove.app.close();
    await repo.stop();
    trove = await startTrove(
      { instances: { maven: { type: 'maven', upstreams: [repo.url] } } },
      { dir },
    );
    const r = await build(APP, ['-C']);
    expect(r.code, r.out.slice(-3000)).toBe(0);
    expect(lastUpdated(r.local)).toEqual([]);
    // Something never cached: an error mvn reports, not a 404 it would remember as "not found".
    const miss = await build({ group: 'com.example', artifact: 'never', version: '1.0' });
    expect(miss.code).not.toBe(0);
    expect(miss.out).not.toMatch(/Could not find artifact com\.example:never/);
    expect(miss.out).toMatch(/50[34]/);
  });
});
