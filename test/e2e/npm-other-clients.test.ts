// pnpm 10, yarn 1 and yarn berry 4 through Trove, each with a fresh store and its own config:
// the 50-package tree, a public and a private scope, with lockfiles that keep the canonical
// layout, integrity equal to the upstream's, and release-age gates that need `time`.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npmSuite } from '../helpers/npm-registries.js';
import { integrity } from '../helpers/npm-tarball.js';
import { runCommand } from '../helpers/run.js';
import { NPM_TOOLS, cleanNpmEnv, npmToolsReady } from '../helpers/verdaccio.js';

const enabled = npmToolsReady();
const PNPM = join(NPM_TOOLS, 'pnpm', 'bin', 'pnpm.cjs');
const YARN1 = join(NPM_TOOLS, 'yarn', 'bin', 'yarn.js');
const BERRY = join(NPM_TOOLS, '@yarnpkg', 'cli-dist', 'bin', 'yarn.js');
const DEPS = {
  'dep-00': '^1.0.0',
  alpha: '^1.0.0',
  '@pub/thing': '^1.0.0',
  '@corp/secret': '^1.0.0',
};

describe.skipIf(!enabled)('pnpm and yarn through Trove', () => {
  const s = npmSuite('trove-npm-clients-');

  const run = (cli: string, args: string[], cwd: string, env: Record<string, string> = {}) =>
    runCommand(process.execPath, [cli, ...args], {
      cwd,
      exactEnv: cleanNpmEnv({ HOME: join(cwd, '.home'), CI: 'true', ...env }),
      timeoutMs: 240_000,
    });
  const project = (name: string, files: Record<string, string>): string => {
    const dir = join(s.work, name);
    mkdirSync(join(dir, '.home'), { recursive: true });
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', private: true, dependencies: DEPS }),
    );
    for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
    return dir;
  };
  const upstreamIntegrity = (name: string, version: string): string => {
    const from = name === '@corp/secret' ? s.regs.priv : s.regs.pub;
    return integrity(from.tarballs.get(`${name}@${version}`) as Buffer).integrity;
  };
  const installed = (dir: string, name: string): string =>
    JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;

  it('pnpm 10 installs the tree, honouring minimumReleaseAge', async () => {
    const dir = project('pnpm', {
      '.npmrc': `registry=${s.registry}\nstore-dir=${join(s.work, 'pnpm-store')}\n`,
      // One day, in minutes: alpha 1.44.0 (published now) is too young, 1.43.0 is picked.
      'pnpm-workspace.yaml': 'minimumReleaseAge: 1440\n',
    });
    const r = await run(PNPM, ['install', '--reporter=append-only'], dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(installed(dir, 'alpha')).toBe('1.43.0');
    expect(installed(dir, '@corp/secret')).toBe('1.0.0');
    const lock = readFileSync(join(dir, 'pnpm-lock.yaml'), 'utf8');
    // Conventional tarball URLs are not written to pnpm's lockfile at all; only integrity is.
    expect(lock).not.toMatch(/tarball:/);
    for (const [name, version] of [
      ['alpha', '1.43.0'],
      ['dep-49', '1.0.0'],
      ['@corp/secret', '1.0.0'],
    ] as const) {
      expect(lock).toContain(`integrity: ${upstreamIntegrity(name, version)}`);
    }
  });

  it('yarn 1 installs the tree with canonical resolved URLs', async () => {
    const dir = project('yarn1', { '.yarnrc': `registry "${s.registry}"\n` });
    const r = await run(
      YARN1,
      ['install', '--non-interactive', '--no-progress', '--cache-folder', join(s.work, 'y1c')],
      dir,
    );
    expect(r.code, r.out + r.err).toBe(0);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    const resolved = [...lock.matchAll(/resolved "([^"#]+)#[0-9a-f]+"/g)].map((m) => m[1]);
    expect(resolved).toHaveLength(53);
    for (const url of resolved) expect(url).toMatch(new RegExp(`^${s.registry}(@[^/]+/)?[^/]+/-/`));
    expect(lock).toContain(`${s.registry}alpha/-/alpha-1.44.0.tgz`);
    expect(lock).toContain(`${s.registry}@corp/secret/-/secret-1.0.0.tgz`);
    expect(lock).toContain(`integrity ${upstreamIntegrity('alpha', '1.44.0')}`);
    expect(installed(dir, 'dep-49')).toBe('1.0.0');
  });

  it('yarn berry 4 installs the tree with npm: lockfile entries and its age gate', async () => {
    const dir = project('berry', {
      '.yarnrc.yml': [
        `npmRegistryServer: "${s.registry.replace(/\/$/, '')}"`,
        'unsafeHttpWhitelist: ["127.0.0.1"]',
        'nodeLinker: node-modules',
        'enableGlobalCache: false',
        'enableTelemetry: false',
        'npmMinimalAgeGate: 1d',
        '',
      ].join('\n'),
      'yarn.lock': '',
    });
    const r = await run(BERRY, ['install', '--mode=skip-build'], dir, {
      YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
    });
    expect(r.code, r.out + r.err).toBe(0);
    const lock = readFileSync(join(dir, 'yarn.lock'), 'utf8');
    // The conventional layout lets berry keep registry-independent entries.
    expect(lock).toContain('resolution: "alpha@npm:1.43.0"');
    expect(lock).toContain('resolution: "@corp/secret@npm:1.0.0"');
    expect(lock).not.toContain('127.0.0.1');
    expect(installed(dir, 'alpha')).toBe('1.43.0');
    expect(installed(dir, 'dep-49')).toBe('1.0.0');
  });
});
