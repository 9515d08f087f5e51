// npm, pnpm and yarn against a Trove that requires credentials: `_authToken` (a static token, sent as
// Bearer) and `_auth` (Basic) in .npmrc, `npm whoami`, the E401 of an anonymous client or a wrong
// password, and a read-only user who installs what is cached and nothing else.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenHash } from '../../src/access/static-tokens.js';
import * as users from '../helpers/access-users.js';
import { runCommand } from '../helpers/run.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';
import {
  NPM_TOOLS,
  cleanNpmEnv,
  npmToolsReady,
  startVerdaccio,
  type Verdaccio,
} from '../helpers/verdaccio.js';

const enabled = npmToolsReady();
const ALICE_TOKEN = 'trove_alice_npm_token_0123456789';

describe.skipIf(!enabled)('npm, pnpm and yarn with client authentication', () => {
  let work: string;
  let upstream: Verdaccio;
  let trove: TestTrove;
  let n = 0;

  const version = (v: string) => ({ version: v, time: '2021-01-01T00:00:00.000Z' });
  const registry = () => `${trove.url}/npm/`;
  const hostPath = () => registry().replace(/^http:/, '');
  const project = (npmrc: string[], deps: Record<string, string>): string => {
    const dir = join(work, `p${n++}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, '.npmrc'),
      [`registry=${registry()}`, 'audit=false', 'fund=false', ...npmrc, ''].join('\n'),
    );
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: `p${n}`, version: '1.0.0', private: true, dependencies: deps }),
    );
    return dir;
  };
  const npm = (args: string[], cwd: string) =>
    runCommand('npm', [...args, '--cache', join(work, `cache-${n++}`)], {
      cwd,
      exactEnv: cleanNpmEnv({
        HOME: join(work, 'home'),
        npm_config_userconfig: join(cwd, '.npmrc'),
      }),
      timeoutMs: 120_000,
    });
  const authLine = (u: { user: string; password: string }) =>
    `${hostPath()}:_auth=${Buffer.from(`${u.user}:${u.password}`).toString('base64')}`;
  /** How Trove answers alice for a packument: MISS proves nobody filled it before. */
  const cacheState = async (name: string) =>
    (
      await fetch(`${registry()}${name}`, { headers: { authorization: `Bearer ${ALICE_TOKEN}` } })
    ).headers.get('x-cache');

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-npm-access-'));
    upstream = await startVerdaccio([
      { name: 'pub-a', versions: [version('1.0.0')] },
      { name: 'pub-b', versions: [version('1.0.0')] },
      { name: 'pub-c', versions: [version('1.0.0')] },
      { name: '@corp/secret', versions: [version('1.0.0')] },
    ]);
    trove = await startTrove({
      access: users.accessSection(users.writeHtpasswd(work), {
        tokens: [{ name: users.ALICE.user, sha256: tokenHash(ALICE_TOKEN) }],
      }),
      instances: {
        npm: {
          type: 'npm',
          upstreams: [`${upstream.url}/`],
          access: users.instanceAccess(['@corp/*']),
        },
      },
    });
  }, 120_000);

  afterAll(async () => {
    await trove?.stop();
    await upstream?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses an anonymous client and a wrong password with E401', async () => {
    const anon = await npm(['install'], project([], { 'pub-a': '^1.0.0' }));
    expect(anon.code).not.toBe(0);
    expect(anon.err).toMatch(/E401|401 Unauthorized/);
    const wrong = await npm(
      ['install'],
      project([authLine({ user: users.ALICE.user, password: 'nope' })], { 'pub-a': '^1.0.0' }),
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toMatch(/E401|401 Unauthorized/);
  });

  it('installs with a token in _authToken, and npm whoami names its subject', async () => {
    const dir = project([`${hostPath()}:_authToken=${ALICE_TOKEN}`], {
      'pub-a': '^1.0.0',
      '@corp/secret': '^1.0.0',
    });
    const r = await npm(['install'], dir);
    expect(r.code, r.err).toBe(0);
    const who = await npm(['whoami'], dir);
    expect([who.code, who.out.trim()]).toEqual([0, users.ALICE.user]);
  });

  it('lets a read-only user (_auth) install what is cached, and nothing that needs a fetch', async () => {
    const cached = project([authLine(users.BOB)], { 'pub-a': '^1.0.0' });
    const ok = await npm(['install'], cached);
    expect(ok.code, ok.err).toBe(0);
    expect((await npm(['whoami'], cached)).out.trim()).toBe(users.BOB.user);
    const miss = await npm(['install'], project([authLine(users.BOB)], { 'pub-b': '^1.0.0' }));
    expect(miss.code).not.toBe(0);
    expect(miss.err).toMatch(/E403|403 Forbidden/);
    expect(await cacheState('pub-b')).toBe('MISS'); // bob's install fetched nothing
    const denied = await npm(
      ['install'],
      project([authLine(users.BOB)], { '@corp/secret': '^1.0.0' }),
    );
    expect(denied.code).not.toBe(0);
    expect(denied.err).toMatch(/E403|403 Forbidden/);
  });

  it('pnpm installs with the same .npmrc credentials', async () => {
    const pnpm = (dir: string) =>
      runCommand(
        process.execPath,
        [join(NPM_TOOLS, 'pnpm', 'bin', 'pnpm.cjs'), 'install', '--store-dir', join(dir, 'store')],
        {
          cwd: dir,
          exactEnv: cleanNpmEnv({
            HOME: join(work, 'home'),
            npm_config_userconfig: join(dir, '.npmrc'),
          }),
          timeoutMs: 120_000,
        },
      );
    const r = await pnpm(
      project([`${hostPath()}:_authToken=${ALICE_TOKEN}`], { 'pub-b': '^1.0.0' }),
    );
    expect(r.code, r.err + r.out).toBe(0);
    const refused = await pnpm(project([], { 'pub-b': '^1.0.0' }));
    expect(refused.code).not.toBe(0);
    expect(refused.err + refused.out).toMatch(/ERR_PNPM_FETCH_401|401/);
  });

  const node = (cli: string[], args: string[], cwd: string, env: Record<string, string> = {}) => {
    mkdirSync(join(cwd, '.home'), { recursive: true });
    return runCommand(process.execPath, [join(NPM_TOOLS, ...cli), ...args], {
      cwd,
      exactEnv: cleanNpmEnv({ HOME: join(cwd, '.home'), CI: 'true', ...env }),
      timeoutMs: 120_000,
    });
  };

  it('yarn 1 installs with _authToken from .npmrc; without it, a 401', async () => {
    const yarn = (dir: string) =>
      node(
        ['yarn', 'bin', 'yarn.js'],
        ['install', '--non-interactive', '--no-progress', '--cache-folder', join(dir, 'yc')],
        dir,
      );
    // yarn 1 sends a token for unscoped packages only with always-auth.
    const dir = project([`${hostPath()}:_authToken=${ALICE_TOKEN}`, 'always-auth=true'], {
      'pub-a': '^1.0.0',
    });
    writeFileSync(join(dir, '.yarnrc'), `registry "${registry()}"\n`);
    const r = await yarn(dir);
    expect(r.code, r.out + r.err).toBe(0);
    const anon = project([], { 'pub-a': '^1.0.0' });
    writeFileSync(join(anon, '.yarnrc'), `registry "${registry()}"\n`);
    const refused = await yarn(anon);
    expect(refused.code).not.toBe(0);
    expect(refused.out + refused.err).toMatch(/401|authentication required/);
  });

  it('yarn berry installs with npmAuthToken; a read-only npmAuthIdent gets cached packages only', async () => {
    const berry = (dir: string, auth: string) => {
      writeFileSync(
        join(dir, '.yarnrc.yml'),
        [
          `npmRegistryServer: "${registry().replace(/\/$/, '')}"`,
          'unsafeHttpWhitelist: ["127.0.0.1"]',
          'nodeLinker: node-modules',
          'enableGlobalCache: false',
          'enableTelemetry: false',
          'npmAlwaysAuth: true',
          auth,
          '',
        ].join('\n'),
      );
      writeFileSync(join(dir, 'yarn.lock'), '');
      return node(
        ['@yarnpkg', 'cli-dist', 'bin', 'yarn.js'],
        ['install', '--mode=skip-build'],
        dir,
        {
          YARN_ENABLE_IMMUTABLE_INSTALLS: 'false',
        },
      );
    };
    const ok = await berry(project([], { 'pub-a': '^1.0.0' }), `npmAuthToken: "${ALICE_TOKEN}"`);
    expect(ok.code, ok.out + ok.err).toBe(0);
    const bob = `npmAuthIdent: "${users.BOB.user}:${users.BOB.password}"`;
    const cached = await berry(project([], { 'pub-a': '^1.0.0' }), bob);
    expect(cached.code, cached.out + cached.err).toBe(0);
    const miss = await berry(project([], { 'pub-c': '^1.0.0' }), bob);
    expect(miss.code).not.toBe(0);
    expect(miss.out + miss.err).toMatch(/403/);
  });
});
