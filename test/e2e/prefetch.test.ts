// `trove prefetch` against a Trove in front of real upstreams on loopback: lockfiles the real
// tools wrote (go mod tidy, npm install --package-lock-only, cargo generate-lockfile), pinned
// requirements with hashes, an image list and an SBOM; then, with each upstream stopped, the
// real client installs from what the prefetch put in the cache. A second run fetches nothing;
// what cannot be had fails the run with a reason.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CargoRegistry, crate, mirrorCargoHome, runCargo } from '../helpers/cargo-registry.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { GO, goEnv, serveGoModules } from '../helpers/go-fixtures.js';
import { Layout, startRegistry, type Blob, type Registry } from '../helpers/oci-fixtures.js';
import type { Dist } from '../helpers/pypi-dists.js';
import { PypiIndex, isolatedPipEnv } from '../helpers/pypi-index.js';
import { picked, pypiTree } from '../helpers/pypi-tree.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';
import {
  NPM_TOOLS,
  cleanNpmEnv,
  npmToolsReady,
  startVerdaccio,
  type Verdaccio,
} from '../helpers/verdaccio.js';

const MAIN = join(process.cwd(), 'dist', 'cli', 'main.js');
const PNPM = join(NPM_TOOLS, 'pnpm', 'bin', 'pnpm.cjs');
const YARN1 = join(NPM_TOOLS, 'yarn', 'bin', 'yarn.js');
const BERRY = join(NPM_TOOLS, '@yarnpkg', 'cli-dist', 'bin', 'yarn.js');
const enabled =
  requireTools(GO, 'cargo', 'skopeo', 'umoci', '/usr/bin/docker-registry', 'python3') &&
  npmToolsReady();

interface JsonLine {
  item?: string;
  status?: string;
  reason?: string;
  summary?: { total: number; fetched: number; cached: number; failed: number; skipped: number };
}

describe.skipIf(!enabled)('trove prefetch', () => {
  let work: string;
  let trove: TestTrove;
  let goUp: FakeUpstream;
  let npmUp: Verdaccio;
  let pypi: PypiIndex;
  let dists: Dist[];
  let cargoUp: CargoRegistry;
  let registry: Registry;
  let layout: Layout;
  let image: Blob;
  let runs = 0;

  const prefetch = (...args: string[]) =>
    runCommand(
      process.execPath,
      [MAIN, 'prefetch', '--url', trove.url, '--retries', '1', ...args],
      {
        timeoutMs: 180_000,
      },
    );
  const json = (out: string): JsonLine[] =>
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as JsonLine);
  const file = (name: string, text: string): string => {
    const dir = join(work, `src-${runs++}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  const goRun = (args: string[], cwd: string, proxy: string) =>
    runCommand(GO, args, {
      cwd,
      env: goEnv(join(work, 'home'), {
        GOPROXY: proxy,
        GOSUMDB: 'off',
        GOFLAGS: '-mod=mod',
        GOMODCACHE: join(work, `modcache-${runs++}`),
      }),
      timeoutMs: 120_000,
    });
  const npm = (args: string[], cwd: string) =>
    runCommand('npm', [...args, '--cache', join(work, `npm-cache-${runs++}`)], {
      cwd,
      exactEnv: cleanNpmEnv({
        HOME: join(work, 'home'),
        npm_config_userconfig: join(cwd, '.npmrc'),
      }),
      timeoutMs: 180_000,
    });
  const cargoHome = (registryUrl: string): string =>
    mirrorCargoHome(join(work, `cargo-home-${runs++}`), registryUrl);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-prefetch-'));
    goUp = await serveGoModules(work, [
      {
        path: 'example.com/lib',
        version: 'v1.0.0',
        files: {
          'go.mod': 'module example.com/lib\n\ngo 1.21\n',
          'x.go': 'package lib\n\nconst Name = "lib"\n',
        },
      },
      {
        path: 'example.com/app',
        version: 'v1.0.0',
        files: {
          'go.mod': 'module example.com/app\n\ngo 1.21\n\nrequire example.com/lib v1.0.0\n',
          'x.go': 'package app\n\nimport "example.com/lib"\n\nconst Name = "app on " + lib.Name\n',
        },
      },
    ]);
    npmUp = await startVerdaccio([
      { name: 'left-pad', versions: [{ version: '1.0.0' }, { version: '1.3.0' }] },
      {
        name: '@team/util',
        versions: [{ version: '2.0.0', dependencies: { 'left-pad': '^1.0.0' } }],
      },
    ]);
    dists = await pypiTree();
    pypi = await PypiIndex.start(dists);
    cargoUp = await CargoRegistry.start(
      [crate('alpha', '1.0.0', { beta: '^1' }), crate('beta', '1.2.0')],
      'prefix',
    );
    layout = new Layout();
    image = layout.umoci('small', [['hello.txt', Buffer.from('hello from a prefetch\n')]]);
    registry = await startRegistry();
    await registry.push(layout, [['small', 'team/small:v1']]);
    trove = await startTrove({
      instances: {
        go: { type: 'go', upstreams: goUp.url, sumdb: [], verify: false },
        npm: { type: 'npm', upstreams: [npmUp.url] },
        pypi: { type: 'pypi', upstreams: [pypi.url], file_hosts: [pypi.files.url] },
        cargo: { type: 'cargo', upstreams: [cargoUp.url] },
        oci: { type: 'oci', registries: { 'docker.io': registry.url } },
      },
    });
  }, 600_000);

  afterAll(async () => {
    await trove?.stop();
    await Promise.all([
      goUp?.stop(),
      npmUp?.stop(),
      pypi?.stop(),
      cargoUp?.stop(),
      registry?.stop(),
    ]);
    layout?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('warms from a CycloneDX SBOM, and a second run finds everything cached', async () => {
    const bom = file(
      'bom.json',
      JSON.stringify({
        bomFormat: 'CycloneDX',
        specVersion: '1.5',
        components: [
          { purl: 'pkg:golang/example.com/lib@v1.0.0' },
          { purl: 'pkg:npm/left-pad@1.3.0' },
          { purl: 'pkg:pypi/gamma-lib@1.0' },
          { purl: 'pkg:cargo/beta@1.2.0' },
        ],
      }),
    );
    const first = await prefetch('--json', bom);
    expect(first.code, first.err + first.out).toBe(0);
    const a = json(first.out);
    expect(
      a
        .filter((l) => l.status === 'fetched')
        .map((l) => l.item)
        .sort(),
    ).toEqual(['beta@1.2.0', 'example.com/lib@v1.0.0', 'gamma-lib@1.0', 'left-pad@1.3.0']);
    expect(a.at(-1)?.summary).toMatchObject({ total: 4, fetched: 4, cached: 0, failed: 0 });
    const again = json((await prefetch('--json', bom)).out);
    expect(again.at(-1)?.summary).toMatchObject({ total: 4, fetched: 0, cached: 4, failed: 0 });
  });

  it('fails the run, with each reason, for what cannot be had, and says what it skipped', async () => {
    const list = file(
      'purls.txt',
      ['pkg:npm/left-pad@9.9.9', 'pkg:deb/debian/curl@7.88.1', 'pkg:npm/left-pad@1.0.0', ''].join(
        '\n',
      ),
    );
    const r = await prefetch(list);
    expect(r.code).toBe(1);
    expect(r.out).toContain('fetched npm left-pad@1.0.0');
    expect(r.out).toMatch(/failed npm left-pad@9\.9\.9: left-pad@9\.9\.9: no such version/);
    expect(r.out).toMatch(/prefetch: 2 items: 1 fetched, 0 already cached, 1 failed, 1 skipped/);
    expect(r.out).toMatch(/skipped pkg:deb\/debian\/curl@7\.88\.1 .*pkg:deb is not prefetched/);
    const unknown = await prefetch(file('notes.md', 'Some notes == not a lockfile.\n'));
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/cannot tell what this file is; name its format with --format/);
  });

  it('go: go.sum from go mod tidy; then go build with the upstream stopped', async () => {
    const dir = join(work, 'gomod');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'go.mod'),
      'module example.com/me\n\ngo 1.21\n\nrequire example.com/app v1.0.0\n',
    );
    writeFileSync(
      join(dir, 'main.go'),
      'package main\n\nimport "example.com/app"\n\nfunc main() { println(app.Name) }\n',
    );
    const tidy = await goRun(['mod', 'tidy'], dir, goUp.url);
    expect(tidy.code, tidy.err).toBe(0);
    expect(readFileSync(join(dir, 'go.sum'), 'utf8')).toContain('example.com/lib v1.0.0 h1:');
    const r = await prefetch(join(dir, 'go.sum'));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/2 items: 1 fetched, 1 already cached, 0 failed/);
    await goUp.stop();
    const build = await goRun(['build', '-o', join(work, 'me'), '.'], dir, trove.url + '/go');
    expect(build.code, build.err).toBe(0);
  });

  it('npm: lockfiles from npm, pnpm, yarn 1 and yarn 4; then npm ci with the registry stopped', async () => {
    const dir = join(work, 'npmapp');
    mkdirSync(dir);
    writeFileSync(join(dir, '.npmrc'), `registry=${npmUp.url}/\naudit=false\nfund=false\n`);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: 'app',
        version: '1.0.0',
        private: true,
        dependencies: { '@team/util': '^2.0.0' },
      }),
    );
    const locked = await npm(['install', '--package-lock-only'], dir);
    expect(locked.code, locked.err).toBe(0);
    const r = await prefetch(join(dir, 'package-lock.json'));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('fetched npm @team/util@2.0.0');
    // The same dependencies locked by pnpm, yarn 1 and yarn 4: each lockfile names both.
    for (const [tool, args, lockfile, extra] of [
      [PNPM, ['install', '--lockfile-only', '--reporter=append-only'], 'pnpm-lock.yaml', {}],
      [
        YARN1,
        ['install', '--non-interactive', '--no-progress', '--cache-folder', join(work, 'y1c')],
        'yarn.lock',
        {},
      ],
      [
        BERRY,
        ['install', '--mode=update-lockfile'],
        'yarn.lock',
        { YARN_ENABLE_IMMUTABLE_INSTALLS: 'false' },
      ],
    ] as const) {
      const other = join(work, `npm-${runs++}`);
      mkdirSync(join(other, '.home'), { recursive: true });
      writeFileSync(join(other, 'package.json'), readFileSync(join(dir, 'package.json')));
      writeFileSync(join(other, '.npmrc'), `registry=${npmUp.url}/\n`);
      writeFileSync(join(other, '.yarnrc'), `registry "${npmUp.url}/"\n`);
      writeFileSync(
        join(other, '.yarnrc.yml'),
        `npmRegistryServer: "${npmUp.url}"\nunsafeHttpWhitelist: ["127.0.0.1"]\nenableGlobalCache: false\nenableTelemetry: false\nnpmMinimalAgeGate: 0\n`,
      );
      if (tool === BERRY) writeFileSync(join(other, 'yarn.lock'), '');
      const made = await runCommand(process.execPath, [tool, ...args], {
        cwd: other,
        exactEnv: cleanNpmEnv({ HOME: join(other, '.home'), CI: 'true', ...extra }),
        timeoutMs: 240_000,
      });
      expect(made.code, made.out + made.err).toBe(0);
      const again = json((await prefetch('--json', join(other, lockfile))).out);
      expect(again.at(-1)?.summary, `${tool} ${lockfile}`).toMatchObject({
        total: 2,
        cached: 2,
        failed: 0,
      });
    }
    await npmUp.stop();
    // The lockfile names the registry it was made against: npm ci takes Trove instead.
    writeFileSync(
      join(dir, '.npmrc'),
      `registry=${trove.url}/npm/\nreplace-registry-host=always\naudit=false\nfund=false\n`,
    );
    const ci = await npm(['ci'], dir);
    expect(ci.code, ci.err).toBe(0);
    expect(readFileSync(join(dir, 'node_modules/@team/util/package.json'), 'utf8')).toContain(
      '"2.0.0"',
    );
  });

  it('pip: requirements.txt with hashes; then pip install --require-hashes with the index stopped', async () => {
    const pins = (['alpha', 'beta', 'gamma-lib'] as const).map((p) => {
      const d = picked(dists, p);
      return `${p}==${d.version} --hash=sha256:${d.sha256}`;
    });
    const req = file('requirements.txt', `${pins.join('\n')}\n`);
    const r = await prefetch(req);
    expect(r.code, r.out + r.err).toBe(0);
    await pypi.stop();
    const target = join(work, 'site');
    const pip = await runCommand(
      'python3',
      [
        '-m',
        'pip',
        'install',
        '--no-deps',
        '--require-hashes',
        '-r',
        req,
        '--target',
        target,
        '--cache-dir',
        join(work, 'pip-cache'),
        '-i',
        `${trove.url}/pypi/simple/`,
      ],
      {
        exactEnv: isolatedPipEnv(join(work, 'home')),
        timeoutMs: 180_000,
      },
    );
    expect(pip.code, pip.out + pip.err).toBe(0);
  });

  it('cargo: Cargo.lock from cargo; then cargo fetch --locked with the registry stopped', async () => {
    const dir = join(work, 'crate-app');
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(
      join(dir, 'Cargo.toml'),
      '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\nalpha = "1"\n',
    );
    writeFileSync(join(dir, 'src', 'main.rs'), 'fn main() {}\n');
    const lock = await runCargo(['generate-lockfile'], dir, cargoHome(cargoUp.url));
    expect(lock.code, lock.err).toBe(0);
    const r = await prefetch(join(dir, 'Cargo.lock'));
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/2 items: 1 fetched, 1 already cached/);
    await cargoUp.stop();
    const fetched = await runCargo(['fetch', '--locked'], dir, cargoHome(`${trove.url}/cargo/`));
    expect(fetched.code, fetched.err).toBe(0);
  });

  it('images: a list of references; then skopeo copies with the registry stopped', async () => {
    const list = file('images.txt', '# base images\nteam/small:v1\n');
    const r = await prefetch(list);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain('fetched oci docker.io/team/small:v1');
    await registry.stop();
    const host = trove.url.replace('http://', '');
    const copy = await runCommand(
      'skopeo',
      [
        'copy',
        '--src-tls-verify=false',
        `docker://${host}/team/small:v1`,
        `oci:${join(work, 'copied')}:v1`,
      ],
      { timeoutMs: 120_000 },
    );
    expect(copy.code, copy.err).toBe(0);
    expect(
      JSON.parse(readFileSync(join(work, 'copied', 'index.json'), 'utf8')).manifests[0].digest,
    ).toBe(image.digest);
  });
});
