// npm 11 through Trove against real Verdaccio registries on loopback: install, ci from the
// lockfile, --before (which needs `time` in the full packument), view, audit relayed upstream,
// a private scope with its own token, a tampered tarball refused, and a reinstall with every
// upstream stopped.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DAY, npmSuite } from '../helpers/npm-registries.js';
import { integrity, tarball } from '../helpers/npm-tarball.js';
import { runCommand } from '../helpers/run.js';
import { cleanNpmEnv, npmToolsReady } from '../helpers/verdaccio.js';

const enabled = npmToolsReady();

describe.skipIf(!enabled)('npm 11 through Trove', () => {
  const s = npmSuite('trove-npm-e2e-');
  let cache = 0;

  const npm = (args: string[], cwd: string) =>
    runCommand('npm', [...args, '--cache', join(s.work, `cache-${cache++}`)], {
      cwd,
      exactEnv: cleanNpmEnv({
        HOME: join(s.work, 'home'),
        npm_config_userconfig: join(cwd, '.npmrc'),
      }),
      timeoutMs: 180_000,
    });
  const project = (name: string, deps: Record<string, string> = {}): string => {
    const dir = join(s.work, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.npmrc'), `registry=${s.registry}\naudit=false\nfund=false\n`);
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name, version: '1.0.0', private: true, dependencies: deps }),
    );
    return dir;
  };
  const lock = (dir: string) =>
    JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version?: string; resolved?: string; integrity?: string }>;
    };

  it('installs a tree of 50 packages, a public scope and a private scope', async () => {
    const dir = project('app', {
      'dep-00': '^1.0.0',
      alpha: '^1.0.0',
      '@pub/thing': '^1.0.0',
      '@corp/secret': '^1.0.0',
    });
    const r = await npm(['install'], dir);
    expect(r.code, r.err).toBe(0);
    const packages = lock(dir).packages;
    const installed = Object.entries(packages).filter(([k]) => k.startsWith('node_modules/'));
    expect(installed).toHaveLength(50 + 3);
    for (const [path, p] of installed) {
      const name = path.slice('node_modules/'.length);
      const bare = name.split('/').pop();
      // Canonical, absolute, on Trove: yarn berry and npm ci both rely on this layout.
      expect(p.resolved).toBe(`${s.registry}${name}/-/${bare}-${p.version}.tgz`);
      const from = name === '@corp/secret' ? s.regs.priv : s.regs.pub;
      const bytes = from.tarballs.get(`${name}@${p.version}`) as Buffer;
      expect(p.integrity).toBe(integrity(bytes).integrity);
      const served = await fetch(p.resolved as string);
      expect(served.headers.get('x-cache')).toBe('HIT');
      expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
    }
    expect(packages['node_modules/alpha']?.version).toBe('1.44.0');
    expect(readFileSync(join(dir, 'node_modules/@corp/secret/index.js'), 'utf8')).toContain(
      '@corp/secret@1.0.0',
    );
    // The private registry's token went to the private registry only.
    expect(s.regs.seen.some((h) => JSON.stringify(h).includes(s.regs.token))).toBe(false);
  });

  it('runs npm ci from the lockfile into an empty cache', async () => {
    const dir = join(s.work, 'app');
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    const r = await npm(['ci'], dir);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'node_modules/dep-49/index.js'), 'utf8')).toContain('dep-49');
  });

  it('honours --before, which needs the full packument with time', async () => {
    const dir = project('before');
    const yesterday = new Date(Date.now() - DAY).toISOString();
    const r = await npm(['install', 'alpha@^1.0.0', `--before=${yesterday}`], dir);
    expect(r.code, r.err).toBe(0);
    expect(lock(dir).packages['node_modules/alpha']?.version).toBe('1.43.0');
  });

  it('answers npm view from the full packument', async () => {
    const r = await npm(
      ['view', 'alpha', 'versions', 'time.modified', '--json'],
      join(s.work, 'app'),
    );
    expect(r.code, r.err).toBe(0);
    const out = JSON.parse(r.out) as { versions: string[]; 'time.modified': string };
    expect(out.versions).toHaveLength(45);
    expect(Date.parse(out['time.modified'])).toBeGreaterThan(Date.now() - DAY);
  });

  it('relays npm audit to the upstream and reports what it reports', async () => {
    const r = await npm(['audit', '--json'], join(s.work, 'app'));
    const report = JSON.parse(r.out) as {
      vulnerabilities: Record<string, { severity: string; via: Array<{ title?: string }> }>;
    };
    expect(report.vulnerabilities['alpha']?.severity).toBe('high');
    expect(report.vulnerabilities['alpha']?.via[0]?.title).toBe('Prototype pollution in alpha');
    expect(s.regs.audits.at(-1)).toContain('"alpha"');
  });

  it('refuses a tarball changed behind its packument, and caches nothing', async () => {
    const bad = tarball({
      'package.json': '{"name":"tampered","version":"1.0.0"}',
      'x.js': 'evil',
    });
    writeFileSync(join(s.regs.pub.storage, 'tampered', 'tampered-1.0.0.tgz'), bad);
    const dir = project('tamper', { tampered: '1.0.0' });
    // No retries: npm would retry the 502 for a minute.
    const r = await npm(['install', '--fetch-retries=0'], dir);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/502/);
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${s.registry}tampered/-/tampered-1.0.0.tgz`);
      expect(res.status).toBe(502);
      expect(res.headers.get('x-trove-error')).toBe('TROVE_ERR_VERIFY');
      expect(res.headers.get('x-cache')).not.toBe('HIT');
    }
  });

  it('reinstalls from Trove alone once every upstream is down', async () => {
    await s.regs.stop();
    const dir = join(s.work, 'app');
    rmSync(join(dir, 'node_modules'), { recursive: true, force: true });
    const r = await npm(['ci', '--prefer-online'], dir);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(join(dir, 'node_modules/alpha/index.js'), 'utf8')).toContain('1.44.0');
  });
});
