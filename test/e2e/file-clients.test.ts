// The file ecosystem with real clients: curl and wget against a real static upstream, and
// apt-get against a real apt repository (built with dpkg-deb and apt-ftparchive), served
// through Trove, then again with the upstream stopped.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { serveDirectory } from '../helpers/static-server.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** For fixture building only: blocks the event loop, so never while Trove must answer. */
function runSync(cmd: string, args: string[], cwd?: string): { status: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
}

/** Runs a client; exit status and combined output. */
async function run(
  cmd: string,
  args: string[],
  cwd?: string,
): Promise<{ status: number; out: string }> {
  const r = await runCommand(cmd, args, cwd === undefined ? {} : { cwd });
  return { status: r.code ?? -1, out: `${r.out}\n${r.err}` };
}

const haveAll = requireTools('curl', 'wget', 'apt-get', 'apt-ftparchive', 'dpkg-deb');

describe.skipIf(!haveAll)('file ecosystem with real clients', () => {
  let root: string;
  let up: FakeUpstream | undefined;
  let trove: TestTrove;
  const artifact = randomBytes(3 * 1024 * 1024);

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'trove-e2e-repo-'));
    mkdirSync(join(root, 'releases'), { recursive: true });
    writeFileSync(join(root, 'releases', 'tool-1.0.tar.gz'), artifact);
    // A real apt repository with one package.
    const pkg = join(root, 'build', 'trove-hello');
    mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
    mkdirSync(join(pkg, 'usr', 'share', 'trove-hello'), { recursive: true });
    writeFileSync(
      join(pkg, 'usr', 'share', 'trove-hello', 'greeting'),
      'hello from a cached package\n',
    );
    writeFileSync(
      join(pkg, 'DEBIAN', 'control'),
      'Package: trove-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: Trove <trove@example.test>\nDescription: test package\n',
    );
    mkdirSync(join(root, 'debian', 'pool', 'main'), { recursive: true });
    const deb = join(root, 'debian', 'pool', 'main', 'trove-hello_1.0_all.deb');
    expect(runSync('dpkg-deb', ['--build', '--root-owner-group', pkg, deb]).status).toBe(0);
    const dists = join(root, 'debian', 'dists', 'stable', 'main', 'binary-all');
    mkdirSync(dists, { recursive: true });
    const packages = runSync('apt-ftparchive', ['packages', 'pool'], join(root, 'debian'));
    expect(packages.status).toBe(0);
    writeFileSync(join(dists, 'Packages'), packages.out.trimEnd() + '\n');
    const release = runSync(
      'apt-ftparchive',
      [
        '-o',
        'APT::FTPArchive::Release::Suite=stable',
        '-o',
        'APT::FTPArchive::Release::Architectures=all',
        '-o',
        'APT::FTPArchive::Release::Components=main',
        'release',
        '.',
      ],
      join(root, 'debian', 'dists', 'stable'),
    );
    writeFileSync(join(root, 'debian', 'dists', 'stable', 'Release'), release.out.trimEnd() + '\n');
    up = await serveDirectory(root);
    trove = await startTrove({
      instances: {
        files: { type: 'file', upstreams: [`${up.url}/releases`], default_policy: 'immutable' },
        debian: {
          type: 'file',
          upstreams: [`${up.url}/debian`],
          rules: [
            { match: 'dists/**', class: 'metadata', policy: 'revalidate', fresh_for: '0s' },
            { match: 'pool/**', class: 'artifact', policy: 'immutable' },
          ],
        },
      },
    });
  });

  afterAll(async () => {
    await trove?.stop();
    await up?.stop();
  });

  function apt(state: string, ...args: string[]): Promise<{ status: number; out: string }> {
    const list = join(state, 'sources.list');
    writeFileSync(list, `deb [trusted=yes] ${trove.url}/debian stable main\n`);
    for (const d of ['lists/partial', 'cache/archives/partial', 'etc/preferences.d'])
      mkdirSync(join(state, d), { recursive: true });
    return run(
      'apt-get',
      [
        '-o',
        `Dir::Etc::SourceList=${list}`,
        '-o',
        'Dir::Etc::SourceParts=/dev/null',
        '-o',
        `Dir::Etc::PreferencesParts=${join(state, 'etc/preferences.d')}`,
        '-o',
        `Dir::State=${state}`,
        '-o',
        `Dir::State::Lists=${join(state, 'lists')}`,
        '-o',
        `Dir::State::status=${join(state, 'status')}`,
        '-o',
        `Dir::Cache=${join(state, 'cache')}`,
        '-o',
        'APT::Sandbox::User=root',
        '-o',
        'Acquire::Languages=none',
        '-o',
        'Debug::NoLocking=true',
        ...args,
      ],
      state,
    );
  }

  it('curl downloads through Trove: cold, warm, ranged and resumed', async () => {
    const out = mkdtempSync(join(tmpdir(), 'trove-e2e-curl-'));
    const url = `${trove.url}/files/tool-1.0.tar.gz`;
    expect((await run('curl', ['-fsS', '-o', join(out, 'cold'), url])).status).toBe(0);
    expect(sha(readFileSync(join(out, 'cold')))).toBe(sha(artifact));
    const warm = await run('curl', ['-fsS', '-D', '-', '-o', join(out, 'warm'), url]);
    expect(warm.out).toMatch(/x-cache: HIT/i);
    expect(sha(readFileSync(join(out, 'warm')))).toBe(sha(artifact));
    expect(
      (await run('curl', ['-fsS', '-r', '100-199', '-o', join(out, 'range'), url])).status,
    ).toBe(0);
    expect(readFileSync(join(out, 'range')).equals(artifact.subarray(100, 200))).toBe(true);
    writeFileSync(join(out, 'partial'), artifact.subarray(0, 1_000_000));
    expect((await run('curl', ['-fsS', '-C', '-', '-o', join(out, 'partial'), url])).status).toBe(
      0,
    );
    expect(sha(readFileSync(join(out, 'partial')))).toBe(sha(artifact));
    expect(up?.count('/releases/tool-1.0.tar.gz')).toBe(1);
    const missing = await run('curl', [
      '-fsS',
      '-o',
      '/dev/null',
      `${trove.url}/files/nope.tar.gz`,
    ]);
    expect(missing.status).toBe(22);
  });

  it('wget downloads through Trove', async () => {
    const out = mkdtempSync(join(tmpdir(), 'trove-e2e-wget-'));
    const r = await run('wget', ['-q', '-O', join(out, 'w'), `${trove.url}/files/tool-1.0.tar.gz`]);
    expect(r.status).toBe(0);
    expect(sha(readFileSync(join(out, 'w')))).toBe(sha(artifact));
  });

  it('apt-get update and download work through Trove, and keep working with the upstream down', async () => {
    const deb = readFileSync(join(root, 'debian', 'pool', 'main', 'trove-hello_1.0_all.deb'));
    const state = mkdtempSync(join(tmpdir(), 'trove-e2e-apt-'));
    const update = await apt(state, 'update');
    expect(update.status, update.out).toBe(0);
    const dl = await apt(state, 'download', 'trove-hello');
    expect(dl.status, dl.out).toBe(0);
    const got = readdirSync(state).find((f) => f.endsWith('.deb'));
    expect(got).toBe('trove-hello_1.0_all.deb');
    expect(sha(readFileSync(join(state, got as string)))).toBe(sha(deb));

    await up?.stop();
    up = undefined;
    const offline = mkdtempSync(join(tmpdir(), 'trove-e2e-apt-'));
    const update2 = await apt(offline, 'update');
    expect(update2.status, update2.out).toBe(0);
    const dl2 = await apt(offline, 'download', 'trove-hello');
    expect(dl2.status, dl2.out).toBe(0);
    expect(sha(readFileSync(join(offline, 'trove-hello_1.0_all.deb')))).toBe(sha(deb));
  });
});
