// `direct` without a go binary: private modules from a git host behind Basic auth
// (git-http-backend on loopback), fetched by Trove with per-prefix credentials. Every answer is
// compared with the go command's own direct fetch of the same repository: versions,
// pseudo-versions and the h1: hashes of .mod and .zip.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type App } from '../../src/app/create-app.js';
import { buildSchema } from '../../src/config/schema.js';
import { defaultRegistry } from '../../src/ecosystems/registry.js';
import { get } from '../helpers/client.js';
import { GO, goEnv, parseDownloads, type Downloaded } from '../helpers/go-fixtures.js';
import { RepoBuilder, startGitServer, type GitServer } from '../helpers/git-server.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';

const enabled = requireTools(GO, 'git', '/usr/lib/git-core/git-http-backend');
const HOST = 'git.trove.test';
const LIB = `${HOST}/team/lib`;
const TOKEN = 'glpat-s3cret-token-value';
const APP_TOKEN = 'ghs_minted-installation-token';

describe.skipIf(!enabled)('direct: private modules from git, without a go binary', () => {
  let work: string;
  let git: GitServer;
  let app: App;
  let logs = '';
  let featureHash = '';
  let v110Hash = '';
  const appKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });

  const WANTED = () => [
    `${LIB}@v1.0.0`,
    `${LIB}@v1.1.0`,
    `${LIB}@feature`,
    `${LIB}@${featureHash.slice(0, 12)}`,
    `${LIB}@${v110Hash.slice(0, 12)}`,
    `${LIB}/v2@v2.0.0`,
    `${LIB}/sub/mod@v0.1.0`,
  ];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-go-direct-'));
    const root = join(work, 'repos');
    const repo = new RepoBuilder(root, 'team/lib');
    repo.write({
      'go.mod': `module ${LIB}\n\ngo 1.21\n`,
      'lib.go': 'package lib\n\nconst Version = "1.0.0"\n',
      LICENSE: 'Fixture licence, root of the repository.\n',
    });
    repo.commit('v1.0.0', '2024-01-02T03:04:05Z');
    repo.tag('v1.0.0');
    repo.write({
      'lib.go': 'package lib\n\nconst Version = "1.1.0"\n',
      'vendor/example.com/dep/dep.go': 'package dep\n',
      'vendor/modules.txt': '# example.com/dep v1.0.0\n',
      'sub/mod/go.mod': `module ${LIB}/sub/mod\n\ngo 1.21\n`,
      'sub/mod/m.go': 'package mod\n',
      'v2/go.mod': `module ${LIB}/v2\n\ngo 1.21\n`,
      'v2/lib.go': 'package lib\n\nconst Version = "2.0.0"\n',
      'docs/Readme.md': 'read me\n',
    });
    repo.symlink('lib.go', 'link.go');
    v110Hash = repo.commit(
      'v1.1.0 with a nested module, a v2 subdirectory, vendor and a symlink',
      '2024-02-03T04:05:06Z',
    );
    repo.tag('v1.1.0').tag('v2.0.0').tag('sub/mod/v0.1.0');
    repo.git('checkout', '--quiet', '-b', 'feature');
    repo.write({ 'feature.go': 'package lib\n\nconst Feature = true\n' });
    featureHash = repo.commit('untagged work on a branch', '2024-03-04T05:06:07Z');
    repo.git('checkout', '--quiet', 'main');
    repo.push();

    git = await startGitServer(root, {
      host: HOST,
      logins: [`oauth2:${TOKEN}`, 'netrc-user:netrc-pass'],
      app: {
        publicKeyPem: appKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        installationId: '42',
        token: APP_TOKEN,
      },
    });
    const parsed = buildSchema(defaultRegistry()).parse({
      server: { listen: '127.0.0.1:0' },
      storage: { dir: join(work, 'cache') },
      // The git host is reached through itself as a proxy, so no name is ever resolved.
      upstream: { proxy: git.url, no_proxy: '127.0.0.1' },
      instances: {
        go: {
          type: 'go',
          upstreams: 'http://127.0.0.1:1',
          verify: false,
          private: HOST,
          direct: {
            repos: [{ prefix: HOST, insecure: true, auth: { token: TOKEN, username: 'oauth2' } }],
          },
        },
      },
    });
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        logs += chunk.toString();
        cb();
      },
    });
    app = await startApp(parsed, defaultRegistry(), pino({ level: 'debug' }, sink));
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await git?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  let home = 0;
  const go = (args: string[], over: Record<string, string>) => {
    const h = join(work, `home-${home++}`);
    return runCommand(GO, args, {
      cwd: work,
      env: goEnv(h, { GOMODCACHE: join(h, 'modcache'), ...over }),
      timeoutMs: 180_000,
    });
  };
  const sums = (d: Downloaded[]) => d.map((x) => [x.Path, x.Version, x.Sum, x.GoModSum, x.Error]);

  it('gives the same versions, pseudo-versions and h1: hashes as the go command fetching directly', async () => {
    // git (curl) reads $HOME/.netrc; so does the go command's own HTTP client.
    const netrcHome = mkdtempSync(join(work, 'netrc-home-'));
    writeFileSync(join(netrcHome, '.netrc'), `machine ${HOST} login oauth2 password ${TOKEN}\n`);
    const reference = await go(['mod', 'download', '-json', ...WANTED()], {
      GOPROXY: 'direct',
      GOPRIVATE: HOST,
      GOINSECURE: HOST,
      HOME: netrcHome,
      GIT_TERMINAL_PROMPT: '0',
      HTTP_PROXY: git.url,
      http_proxy: git.url,
      HTTPS_PROXY: git.url,
      https_proxy: git.url,
    });
    expect(reference.code, reference.err + reference.out).toBe(0);
    const viaTrove = await go(['mod', 'download', '-json', ...WANTED()], {
      GOPROXY: app.url,
      GONOSUMDB: HOST,
    });
    expect(viaTrove.code, viaTrove.err + viaTrove.out).toBe(0);
    const want = sums(parseDownloads(reference.out));
    expect(sums(parseDownloads(viaTrove.out))).toEqual(want);
    // Trove asked each module path's go-import meta once, however many files it fetched.
    const discoveries = git.requests
      .filter((r) => r.path.includes('go-get=1') && !r.agent.startsWith('Go-http-client'))
      .map((r) => r.path)
      .sort();
    expect(discoveries).toEqual([
      '/team/lib/sub/mod?go-get=1',
      '/team/lib/v2?go-get=1',
      '/team/lib?go-get=1',
    ]);
    // The branch query became a pseudo-version; the tagged commit, its tag.
    expect(want.map((w) => w[1])).toEqual([
      'v1.0.0',
      'v1.1.0',
      `v1.1.1-0.20240304050607-${featureHash.slice(0, 12)}`,
      `v1.1.1-0.20240304050607-${featureHash.slice(0, 12)}`,
      'v1.1.0',
      'v2.0.0',
      'v0.1.0',
    ]);
  });

  it('lists tags as versions and answers @latest', async () => {
    const list = await get(`${app.url}/${LIB}/@v/list`);
    expect(list.body.toString().split('\n').filter(Boolean).sort()).toEqual(['v1.0.0', 'v1.1.0']);
    const latest = await get(`${app.url}/${LIB}/@latest`);
    expect(JSON.parse(latest.body.toString())).toEqual({
      Version: 'v1.1.0',
      Time: '2024-02-03T04:05:06Z',
    });
    expect((await get(`${app.url}/${LIB}/v2/@v/list`)).body.toString()).toBe('v2.0.0\n');
    const unknown = await get(`${app.url}/${LIB}/@v/v1.9.9.info`);
    expect([unknown.status, unknown.body.toString()]).toEqual([
      404,
      `not found upstream: not found: ${LIB}@v1.9.9: unknown revision v1.9.9\n`,
    ]);
  });

  it('keeps credentials out of logs, error bodies and other hosts', async () => {
    const missing = await get(`${app.url}/${HOST}/team/nothing/@v/list`);
    expect(missing.status).toBe(502);
    expect(missing.body.toString()).not.toContain(TOKEN);
    expect(logs).not.toContain(TOKEN);
    expect(logs).not.toContain(Buffer.from(`oauth2:${TOKEN}`).toString('base64'));
    const authed = git.requests.filter((r) => r.authorization);
    expect(authed.length).toBeGreaterThan(0);
  });

  it('also authenticates with a netrc file and with a GitHub App installation token', async () => {
    const netrc = join(work, 'trove.netrc');
    writeFileSync(
      netrc,
      `machine other.example login x password y\nmachine ${HOST}\n  login netrc-user\n  password netrc-pass\n`,
    );
    const pem = appKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    for (const auth of [
      { netrc },
      { github_app: { app_id: 7, installation_id: 42, private_key: pem, api_url: `${git.url}/` } },
    ]) {
      const parsed = buildSchema(defaultRegistry()).parse({
        server: { listen: '127.0.0.1:0' },
        storage: { dir: mkdtempSync(join(work, 'cache-')) },
        upstream: { proxy: git.url, no_proxy: '127.0.0.1' },
        instances: {
          go: {
            type: 'go',
            upstreams: 'direct',
            verify: false,
            direct: { repos: [{ prefix: HOST, insecure: true, auth }] },
          },
        },
      });
      const other = await startApp(parsed, defaultRegistry(), pino({ level: 'silent' }));
      try {
        const r = await get(`${other.url}/${LIB}/@v/v1.1.0.mod`);
        expect([r.status, r.body.toString()]).toEqual([200, `module ${LIB}\n\ngo 1.21\n`]);
      } finally {
        await other.close();
      }
    }
    expect(git.requests.some((r) => r.path === '/app/installations/42/access_tokens')).toBe(true);
    expect(
      git.requests.some(
        (r) =>
          r.authorization ===
          `Basic ${Buffer.from(`x-access-token:${APP_TOKEN}`).toString('base64')}`,
      ),
    ).toBe(true);
  });
});
