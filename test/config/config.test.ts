// Configuration: every error names the file, the key path and the reason; env and flags
// override the file; secrets never print.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { hostNpmRegistry } from '../../src/config/npm-registry.js';
import { aptMirror, defaultConfigObject } from '../../src/config/default-config.js';
import { testVerifierKey } from '../helpers/go-fixtures.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { defaultRegistry } from '../../src/ecosystems/registry.js';

const registry = defaultRegistry();
const dir = mkdtempSync(join(tmpdir(), 'trove-config-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

function problems(text: string, env: NodeJS.ProcessEnv = {}): string[] {
  const f = file(text);
  try {
    loadConfig(registry, { file: f, env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => p.replace(f, 'FILE'));
  }
  throw new Error('expected a config error');
}

describe('config errors name the file, key and reason', () => {
  const cases: Array<[string, string]> = [
    [
      'server:\n  listen: nowhere\n',
      'FILE: server.listen: "nowhere" is not a listen address (use host:port, [::1]:port or a port)',
    ],
    [
      'storage:\n  max_size: lots\n',
      'FILE: storage.max_size: "lots" is not a size (use e.g. 512MiB, 10GiB, 1TB)',
    ],
    ['storage:\n  colour: blue\n', 'FILE: storage: unknown key "colour"'],
    [
      'instances:\n  f:\n    type: nope\n',
      'FILE: instances.f.type: must be one of: file, go, oci, npm, pypi, cargo, maven, deb, rpm, pacman, apk',
    ],
    ['instances:\n  f:\n    type: file\n', 'FILE: instances.f.upstreams: is required'],
    [
      'instances:\n  f:\n    type: file\n    upstreams: []\n',
      'FILE: instances.f.upstreams: needs at least one upstream',
    ],
    [
      'instances:\n  f:\n    type: file\n    upstreams: [ftp://x]\n',
      'FILE: instances.f.upstreams[0]: must be an http:// or https:// URL',
    ],
    [
      "instances:\n  f:\n    type: file\n    upstreams: ['http://x/base?token=1']\n",
      'FILE: instances.f.upstreams[0]: must not have a query or fragment (paths are appended to it)',
    ],
    [
      'instances:\n  f:\n    type: file\n    upstreams: [http://x]\n    fresh_for: soon\n',
      'FILE: instances.f.fresh_for: "soon" is not a duration (use e.g. 500ms, 30s, 5m, 1h, 7d)',
    ],
    [
      'instances:\n  f:\n    type: file\n    upstreams: [http://x]\n    rules:\n      - match: "**"\n        policy: forever\n',
      "FILE: instances.f.rules[0].policy: Invalid enum value. Expected 'bypass' | 'immutable' | 'revalidate', received 'forever'",
    ],
    [
      'instances:\n  Bad Name:\n    type: file\n    upstreams: [http://x]\n',
      'FILE: instances.Bad Name: instance names use a-z, 0-9, _ and -',
    ],
    [
      'metrics:\n  token: {env: TROVE_TEST_UNSET_VAR}\n',
      'FILE: metrics.token: env var TROVE_TEST_UNSET_VAR is not set',
    ],
    [
      'metrics:\n  token: {file: /nonexistent/token}\n',
      'FILE: metrics.token: cannot read /nonexistent/token (ENOENT)',
    ],
    [
      'instances:\n  a: {type: file, upstreams: [http://x], path: /m}\n  b: {type: file, upstreams: [http://y], path: /m}\n',
      'FILE: instances.b.path: /m is already served by instance "a"',
    ],
    ['- just\n- a list\n', 'FILE: the top level must be a mapping'],
  ];
  for (const [text, expected] of cases) {
    it(expected, () => expect(problems(text)).toContain(expected));
  }

  it('reports YAML syntax errors with line and column', () => {
    const [p] = problems('server:\n  listen: [unclosed\n');
    expect(p).toMatch(/^FILE:\d+:\d+: invalid YAML: /);
  });

  it('reports duplicate keys', () => {
    expect(problems('offline: true\noffline: false\n')[0]).toMatch(
      /invalid YAML: .*[Mm]ap keys must be unique/,
    );
  });

  it('names the env var that set a bad value', () => {
    expect(problems('{}\n', { TROVE_MAX_SIZE: 'huge' })).toContain(
      'FILE: storage.max_size: "huge" is not a size (use e.g. 512MiB, 10GiB, 1TB) (set by env TROVE_MAX_SIZE)',
    );
  });

  it('reports a missing file', () => {
    expect(() => loadConfig(registry, { file: '/nonexistent/trove.yaml', env: {} })).toThrow(
      '/nonexistent/trove.yaml: cannot read the file (ENOENT)',
    );
  });

  it('survives a fuzz of mangled configs without throwing anything but ConfigError (500 cases)', () => {
    const base =
      'server:\n  listen: 127.0.0.1:8080\nstorage:\n  max_size: 1GiB\ninstances:\n  f:\n    type: file\n    upstreams: [http://x]\n    fresh_for: 5m\n';
    const junk = [
      ':',
      '-',
      '[',
      '{',
      '"',
      "'",
      '\t',
      '\n',
      ' ',
      'x',
      '0',
      '!!',
      '&a',
      '*a',
      '#',
      '%',
    ];
    for (let i = 0; i < 500; i++) {
      const chars = base.split('');
      for (let k = 0; k < 3; k++)
        chars.splice(
          Math.floor(Math.random() * chars.length),
          1,
          junk[Math.floor(Math.random() * junk.length)] as string,
        );
      const f = file(chars.join(''));
      try {
        loadConfig(registry, { file: f, env: {} });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        for (const p of (err as ConfigError).problems) expect(p.startsWith(f)).toBe(true);
      }
    }
  });
});

describe('precedence: flags > env > file > defaults', () => {
  it('applies env over file and flags over env', () => {
    const f = file('server:\n  listen: 10.1.1.1:9000\nstorage:\n  dir: /from/file\n');
    const fromEnv = loadConfig(registry, {
      file: f,
      env: { CACHE_DIR: '/from/env', PORT: '9100' },
    }).config;
    expect(fromEnv.storage.dir).toBe('/from/env');
    expect(fromEnv.server.listen).toEqual({ host: '10.1.1.1', port: 9100 });
    const fromFlags = loadConfig(registry, {
      file: f,
      env: { CACHE_DIR: '/from/env', TROVE_CACHE_DIR: '/from/trove-env' },
      flags: { cache: '/from/flag', port: '9200', offline: true },
    }).config;
    expect(fromFlags.storage.dir).toBe('/from/flag');
    expect(fromFlags.server.listen.port).toBe(9200);
    expect(fromFlags.offline).toBe(true);
    expect(
      loadConfig(registry, { file: f, env: { CACHE_DIR: '/a', TROVE_CACHE_DIR: '/b' } }).config
        .storage.dir,
    ).toBe('/b');
  });

  it('reads TROVE_CONFIG when no --config is given', () => {
    const f = file('offline: true\n');
    expect(loadConfig(registry, { env: { TROVE_CONFIG: f } }).config.offline).toBe(true);
  });
});

describe('the Go proxy tradition: UPSTREAM_PROXY, *_PROXY, DNS_SERVER and their flags', () => {
  type GoInst = { upstreams: Array<{ url: string; fallthrough: string }> };
  const goOf = (c: { instances: Record<string, unknown> }, name = 'go') =>
    c.instances[name] as GoInst;

  it('points the go instance at / to UPSTREAM_PROXY or --upstream (a GOPROXY string)', () => {
    const env = { UPSTREAM_PROXY: 'https://a.example,https://b.example|https://c.example' };
    const c = loadConfig(registry, { env }).config;
    expect(goOf(c).upstreams.map((u) => [u.url, u.fallthrough])).toEqual([
      ['https://a.example', 'not-found'],
      ['https://b.example', 'any-error'],
      ['https://c.example', 'not-found'],
    ]);
    const f = file('instances:\n  mods: {type: go, path: [/mods, /], verify: false}\n');
    const flagged = loadConfig(registry, {
      file: f,
      env,
      flags: { upstream: 'https://d.example' },
    });
    expect(goOf(flagged.config, 'mods').upstreams.map((u) => u.url)).toEqual(['https://d.example']);
    expect(
      problems('instances:\n  g: {type: go, path: /g}\n', { UPSTREAM_PROXY: 'https://x' }),
    ).toEqual(['FILE: env UPSTREAM_PROXY: no go instance serves the root path']);
  });

  it("honours the go command's GOSUMDB, GONOSUMDB, GOPRIVATE, GONOPROXY and GOINSECURE", () => {
    type Go = {
      verify: boolean;
      sumdb: Array<{ name: string; url: string }>;
      private: string;
      nosumdb: string;
      noproxy: string;
      insecure: string;
    };
    const go = (env: Record<string, string>, f?: string) =>
      loadConfig(registry, { env, ...(f ? { file: f } : {}) }).config.instances[
        'go'
      ] as unknown as Go;
    expect(go({ GOSUMDB: 'off' }).verify).toBe(false);
    expect(go({ GOSUMDB: 'sum.golang.google.cn' }).sumdb[0]).toMatchObject({
      name: 'sum.golang.org',
      url: 'https://sum.golang.google.cn',
    });
    const key = testVerifierKey('sum.corp.example');
    expect(go({ GOSUMDB: `${key} https://sums.corp.example/db` }).sumdb[0]).toMatchObject({
      name: 'sum.corp.example',
      url: 'https://sums.corp.example/db',
    });
    const g = go({
      GONOSUMDB: 'corp.example/*',
      GOPRIVATE: 'git.corp.example',
      GONOPROXY: 'github.com/corp',
      GOINSECURE: 'lab.example',
    });
    expect([g.nosumdb, g.private, g.noproxy, g.insecure]).toEqual([
      'corp.example/*',
      'git.corp.example',
      'github.com/corp',
      'lab.example',
    ]);
    // The environment wins over the file.
    const f = file('instances:\n  go: {type: go, gosumdb: sum.golang.org, private: a.example}\n');
    expect(go({ GOSUMDB: 'off', GOPRIVATE: 'b.example' }, f)).toMatchObject({
      verify: false,
      private: 'b.example',
    });
    expect(problems('instances:\n  go: {type: go}\n', { GOSUMDB: 'sum.unknown.example' })).toEqual([
      'FILE: instances.go.gosumdb: no key is known for the checksum database "sum.unknown.example": give "<name>+<hash>+<key> [url]" (set by env GOSUMDB)',
    ]);
  });

  it('takes the outbound proxy per scheme from HTTP(S)_PROXY, for both from SOCKS5_PROXY or --proxy', () => {
    const perScheme = loadConfig(registry, {
      env: {
        HTTP_PROXY: 'http://p1:3128',
        https_proxy: 'http://u:pw@p2:3128',
        NO_PROXY: 'a.internal, .corp',
      },
    }).config.upstream;
    expect(perScheme.proxy?.http?.host).toBe('p1');
    expect(perScheme.proxy?.https).toMatchObject({ host: 'p2', username: 'u', password: 'pw' });
    expect(perScheme.proxy?.https?.display).toBe('http://u:***@p2:3128');
    expect(perScheme.no_proxy).toEqual(['a.internal', '.corp']);
    const socks = loadConfig(registry, {
      env: { HTTP_PROXY: 'http://p1:3128', SOCKS5_PROXY: 'socks5h://127.0.0.1:1080' },
    }).config.upstream.proxy;
    expect([socks?.http?.scheme, socks?.https?.port]).toEqual(['socks5h', 1080]);
    const flag = loadConfig(registry, {
      env: { SOCKS5_PROXY: 'socks5://s:1' },
      flags: { proxy: 'https://p3' },
    }).config.upstream.proxy;
    expect([flag?.http?.scheme, flag?.https?.port]).toEqual(['https', 443]);
  });

  it('reads DNS servers in every form, DNS over QUIC by name only', () => {
    const dns = (spec: string) =>
      loadConfig(registry, { env: { DNS_SERVER: spec } }).config.upstream.dns;
    expect(dns('8.8.8.8')).toEqual({ kind: 'udp', host: '8.8.8.8', port: 53 });
    expect(dns('udp://[2001:db8::1]:5353')).toEqual({
      kind: 'udp',
      host: '2001:db8::1',
      port: 5353,
    });
    expect(dns('tls://1.1.1.1')).toEqual({ kind: 'tls', host: '1.1.1.1', port: 853 });
    expect(dns('https://dns.example/dns-query')).toEqual({
      kind: 'https',
      url: 'https://dns.example/dns-query',
      json: false,
    });
    expect(dns('https+json://dns.example/resolve')).toMatchObject({ kind: 'https', json: true });
    expect(dns('quic://dns.example')).toEqual({ kind: 'quic', host: 'dns.example', port: 853 });
    expect(problems('{}\n', { DNS_SERVER: 'quic://94.140.14.14' })).toEqual([
      'FILE: upstream.dns: "quic://94.140.14.14": DNS over QUIC needs the server\'s name (quic://dns.example), not an address: its certificate is checked by name (set by env DNS_SERVER)',
    ]);
  });
});

describe('the embedded default', () => {
  it('validates, listens on 12345 and caches in ./cache', () => {
    const { config, source } = loadConfig(registry, { env: {} });
    expect(source).toBe('(embedded default)');
    expect(config.server.listen.port).toBe(12345);
    expect(config.storage.dir).toBe('./cache');
  });

  it("takes the Debian upstream from the host's apt sources", () => {
    const root = mkdtempSync(join(tmpdir(), 'trove-apt-'));
    mkdirSync(join(root, 'sources.list.d'));
    writeFileSync(
      join(root, 'sources.list.d', 'debian.sources'),
      'Types: deb\nURIs: http://mirror.example.test/debian\nSuites: bookworm\n\nTypes: deb\nURIs: http://security.example.test/debian-security\n',
    );
    expect(aptMirror(root)).toBe('http://mirror.example.test/debian');
    const cfg = defaultConfigObject('http://mirror.example.test/debian') as {
      instances: Record<string, { upstreams: string[] }>;
    };
    expect(cfg.instances['debian']?.upstreams).toEqual(['http://mirror.example.test/debian']);
    expect(
      Object.keys((defaultConfigObject(null, null) as { instances: object }).instances),
    ).toEqual(['fedora', 'arch', 'alpine', 'go', 'oci', 'pypi', 'cargo', 'maven']);
  });

  it("takes the npm upstream from the host's npm configuration", () => {
    expect(hostNpmRegistry({ npm_config_registry: 'http://npm.example.test/' })).toBe(
      'http://npm.example.test/',
    );
    const cfg = defaultConfigObject(null, 'http://npm.example.test/') as {
      instances: Record<string, { type: string; upstreams: string[] }>;
    };
    expect(cfg.instances['npm']).toEqual({ type: 'npm', upstreams: ['http://npm.example.test/'] });
  });
});

describe('secrets', () => {
  it('never print', () => {
    const f = file(
      'metrics:\n  token: hunter2\ninstances:\n  f:\n    type: file\n    upstreams:\n      - url: http://x\n        auth: {username: u, password: {env: PW}}\n',
    );
    const { config } = loadConfig(registry, { file: f, env: { PW: 'pa55word' } });
    const shown = JSON.stringify(config) + inspect(config, { depth: 10 });
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('pa55word');
    expect(config.metrics.token?.reveal()).toBe('hunter2');
  });
});

describe('storage drivers: a shared PostgreSQL index and an S3 bucket', () => {
  it('infers the driver from url or bucket, with defaults, and keeps secrets out of output', () => {
    const f = file(
      'storage:\n  index:\n    url: postgresql://trove:pw@db:5432/trove\n  blobs:\n    bucket: my-cache\n    endpoint: http://127.0.0.1:9000\n    path_style: true\n    access_key_id: AK\n    secret_access_key: {env: S3_SECRET}\n',
    );
    const { config } = loadConfig(registry, { file: f, env: { S3_SECRET: 'hunter2' } });
    expect(config.storage.index).toMatchObject({ driver: 'postgres', pool_size: 10 });
    expect(config.storage.blobs).toMatchObject({
      driver: 's3',
      bucket: 'my-cache',
      prefix: '',
      region: 'us-east-1',
      path_style: true,
      part_size: 16 * 1024 * 1024,
    });
    const shown = JSON.stringify(config) + inspect(config, { depth: 10 });
    expect(shown).not.toContain('pw@');
    expect(shown).not.toContain('hunter2');
    const plain = loadConfig(registry, { env: {} }).config.storage;
    expect([plain.index.driver, plain.blobs.driver]).toEqual(['sqlite', 'fs']);
  });

  it('takes them from env alone', () => {
    const { config } = loadConfig(registry, {
      env: {
        TROVE_INDEX_URL: 'postgres://db/trove',
        TROVE_S3_BUCKET: 'team-cache',
        TROVE_S3_ENDPOINT: 'https://s3.internal:9000',
        TROVE_S3_REGION: 'eu-west-1',
        TROVE_S3_PREFIX: 'trove/',
        TROVE_S3_PATH_STYLE: 'true',
      },
    });
    expect(config.storage.index.driver).toBe('postgres');
    expect(config.storage.blobs).toMatchObject({
      driver: 's3',
      bucket: 'team-cache',
      endpoint: 'https://s3.internal:9000',
      region: 'eu-west-1',
      prefix: 'trove/',
      path_style: true,
    });
  });

  it('says which key is wrong and why', () => {
    expect(problems('storage:\n  index:\n    url: mysql://db/x\n')).toEqual([
      'FILE: storage.index.url: must be a postgresql:// URL',
    ]);
    expect(problems('storage:\n  index:\n    driver: postgres\n')).toEqual([
      'FILE: storage.index.url: is required',
    ]);
    expect(problems('storage:\n  blobs:\n    bucket: Bad_Bucket\n')).toEqual([
      'FILE: storage.blobs.bucket: must be an S3 bucket name',
    ]);
    expect(problems('storage:\n  blobs:\n    bucket: b12\n    access_key_id: AK\n')).toEqual([
      'FILE: storage.blobs.secret_access_key: access_key_id and secret_access_key go together (or neither, for the SDK chain)',
    ]);
    expect(problems('storage:\n  blobs:\n    bucket: b12\n    part_size: 1MiB\n')).toEqual([
      'FILE: storage.blobs.part_size: must be at least 5MiB (the S3 minimum)',
    ]);
    const redirect = (expires: string, grace = ''): string =>
      `storage:\n${grace}  blobs:\n    bucket: b12\n    redirect:\n      expires: ${expires}\n`;
    expect(problems(redirect('15m'))).toEqual([
      'FILE: storage.blobs.redirect.expires: must be shorter than storage.delete_grace (900s), or a redirected client may find its blob deleted',
    ]);
    const { config: longer } = loadConfig(registry, {
      file: file(redirect('20m', '  delete_grace: 1h\n')),
    });
    expect(longer.storage.blobs).toMatchObject({
      redirect: { expires: 1_200_000, min_size: 64 * 1024 * 1024 },
    });
    expect(problems(redirect('0s'))).toEqual([
      'FILE: storage.blobs.redirect.expires: must be 1s to 7d',
    ]);
    expect(problems('storage:\n  blobs:\n    driver: s4\n')[0]).toMatch(
      /^FILE: storage\.blobs\.driver: /,
    );
    expect(problems('storage:\n  index:\n    path: /x\n    url: postgres://db/x\n')).toEqual([
      'FILE: storage.index: unknown key "path"',
    ]);
  });
});
