// Passthrough mode against a fake token-auth registry (real node:http servers): Trove's own
// realm, clients' credentials forwarded with `library/` added to the scope, and the no-leak rule
// for a shared cache: what one client pulled is served to another only once the registry has
// accepted that client's credentials for the repository.
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { get, type Got } from '../../helpers/client.js';
import { managedUpstreams, stopAfterEach, type FakeUpstream } from '../../helpers/fake-upstream.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';
import { ConfigError, loadConfig } from '../../../src/config/load.js';
import { parseChallenges } from '../../../src/ecosystems/oci/token-auth.js';
import { defaultRegistry } from '../../../src/ecosystems/registry.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

const sha = (b: string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  layers: [],
});
const LAYER = 'private layer bytes';
const CDN_LAYER = 'layer bytes on a CDN';
const USERS: Record<string, string> = { alice: 'pw-a', bob: 'pw-b' };
/** Who may pull which repository. */
const GRANTS: Record<string, string[]> = { alice: ['library/alpine'], bob: ['team/other'] };
/** Lifetime of the fake realm's tokens (s): a grant lasts as long as its token. */
let tokenTtl = 300;
const basic = (user: string, pw = USERS[user] ?? ''): string =>
  `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;

interface Fake {
  reg: FakeUpstream;
  auth: FakeUpstream;
  /** "<authorization> <scopes>" for every token request. */
  tokenRequests: string[];
}

/** A registry whose realm gives each user a token for the repositories that user may pull. */
async function privateRegistry(): Promise<Fake> {
  const tokenRequests: string[] = [];
  const auth = await upstream((u) =>
    u.route('/token', (req, res) => {
      const scopes = new URL(req.url ?? '', 'http://x').searchParams.getAll('scope');
      const h = req.headers['authorization'] ?? '';
      tokenRequests.push(`${h} ${scopes.join(' ')}`.trim());
      let user = 'anonymous';
      if (h) {
        const [name, pw] = Buffer.from(h.slice(6), 'base64').toString().split(':');
        if (!name || USERS[name] !== pw) return void res.writeHead(401).end();
        user = name;
      }
      const repos = scopes
        .map((s) => /^repository:(.+):pull$/.exec(s)?.[1] ?? '')
        .filter((r) => (GRANTS[user] ?? []).includes(r));
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: `${user}|${repos.join(',')}`, expires_in: tokenTtl }));
    }),
  );
  const reg = await upstream();
  const challenge = `Bearer realm="${auth.url}/token",service="fake"`;
  const token = (req: IncomingMessage): [string, string[]] => {
    const m = /^Bearer (.+)$/.exec(req.headers['authorization'] ?? '');
    const [user, repos] = (m?.[1] ?? 'anonymous|').split('|');
    return [user ?? 'anonymous', (repos ?? '').split(',')];
  };
  const guarded =
    (repo: string, send: (res: ServerResponse) => void) =>
    (req: IncomingMessage, res: ServerResponse) => {
      if (!token(req)[1].includes(repo)) {
        const scope = `,scope="repository:${repo}:pull"`;
        return void res.writeHead(401, { 'www-authenticate': challenge + scope }).end();
      }
      send(res);
    };
  reg.route('/v2/', (req, res) => {
    if (token(req)[0] === 'anonymous')
      return void res.writeHead(401, { 'www-authenticate': challenge }).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  reg.route(
    '/v2/library/alpine/manifests/3',
    guarded('library/alpine', (res) =>
      res
        .writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': sha(MANIFEST),
          'content-length': String(MANIFEST.length),
        })
        .end(MANIFEST),
    ),
  );
  reg.route(
    `/v2/library/alpine/blobs/${sha(LAYER)}`,
    guarded('library/alpine', (res) =>
      res.writeHead(200, { 'content-length': String(LAYER.length) }).end(LAYER),
    ),
  );
  // A blob kept on a CDN whose signed URLs answer GET only, as S3's do.
  const cdn = await upstream((u) =>
    u.route('/signed', (req, res) =>
      req.method === 'GET'
        ? void res.writeHead(200, { 'content-length': String(CDN_LAYER.length) }).end(CDN_LAYER)
        : void res.writeHead(403).end(),
    ),
  );
  reg.route(
    `/v2/library/alpine/blobs/${sha(CDN_LAYER)}`,
    guarded('library/alpine', (res) =>
      res.writeHead(307, { location: `${cdn.url}/signed?sig=x` }).end(),
    ),
  );
  return { reg, auth, tokenRequests };
}

/** Trove with docker.io (the fake) in passthrough mode, plus `registries` and other settings. */
async function startPassthrough(
  fake: Fake,
  { registries = {}, ...extra }: Record<string, unknown> = {},
): Promise<void> {
  trove = await startTrove({
    instances: {
      oci: {
        type: 'oci',
        registries: {
          'docker.io': { url: fake.reg.url, passthrough: true },
          ...(registries as object),
        },
        ...extra,
      },
    },
  });
}

/** A token from Trove's realm, as a client gets it after the 401 on /v2/. */
async function troveToken(authorization?: string, scope = 'repository:alpine:pull'): Promise<Got> {
  const q = scope ? `&scope=${encodeURIComponent(scope)}` : '';
  return get(`${trove?.url}/v2/auth?service=trove${q}`, {
    headers: authorization ? { authorization } : {},
  });
}

async function pull(path: string, token?: string): Promise<Got> {
  return get(`${trove?.url}/v2/${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
}

const tokenOf = (r: Got): string => (JSON.parse(r.body.toString()) as { token: string }).token;
const MANIFEST_PATH = 'alpine/manifests/3';
const BLOB_PATH = `alpine/blobs/${sha(LAYER)}`;

describe('passthrough mode', () => {
  it('points clients at its own realm and forwards their credentials, adding library/', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake);
    const ping = await get(`${trove?.url}/v2/`);
    expect(ping.status).toBe(401);
    const [c] = parseChallenges(ping.headers['www-authenticate'] ?? '');
    expect(c).toEqual({
      scheme: 'bearer',
      params: { realm: `${trove?.url}/v2/auth`, service: 'trove' },
    });

    const t = await troveToken(basic('alice'));
    expect(t.status).toBe(200);
    // The client's password is sealed inside, never readable.
    expect(t.body.toString()).not.toContain(Buffer.from('alice:pw-a').toString('base64'));
    expect((await get(`${trove?.url}/v2/`, bearer(tokenOf(t)))).status).toBe(200);
    const m = await pull(MANIFEST_PATH, tokenOf(t));
    expect([m.status, m.body.toString(), m.headers['docker-content-digest']]).toEqual([
      200,
      MANIFEST,
      sha(MANIFEST),
    ]);
    expect((await pull(BLOB_PATH, tokenOf(t))).body.toString()).toBe(LAYER);
    expect(fake.tokenRequests).toContain(`${basic('alice')} repository:library/alpine:pull`);
  });

  it('issues tokens that open on every process sharing the cache, and after a restart', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake);
    const first = trove as TestTrove;
    const alice = tokenOf(await troveToken(basic('alice')));
    const config = {
      instances: {
        oci: { type: 'oci', registries: { 'docker.io': { url: fake.reg.url, passthrough: true } } },
      },
    };
    // Another process on the same cache (a worker, or a replica on the same index).
    const other = await startTrove(config, { dir: first.dir, keepDir: true });
    try {
      const m = await get(`${other.url}/v2/${MANIFEST_PATH}`, bearer(alice));
      expect(m.status).toBe(200);
      expect(m.body.toString()).toBe(MANIFEST);
    } finally {
      await other.stop();
    }
    // A cache with its own key refuses it.
    const stranger = await startTrove(config);
    try {
      expect((await get(`${stranger.url}/v2/${MANIFEST_PATH}`, bearer(alice))).status).toBe(401);
    } finally {
      await stranger.stop();
    }
  });

  it('serves nothing cached to a client the registry refuses, with a challenge naming the scope', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake);
    const alice = tokenOf(await troveToken(basic('alice')));
    expect((await pull(MANIFEST_PATH, alice)).status).toBe(200);
    expect((await pull(BLOB_PATH, alice)).status).toBe(200);

    const bob = tokenOf(await troveToken(basic('bob')));
    const anonymous = tokenOf(await troveToken());
    for (const who of [bob, anonymous, undefined, 'forged-token']) {
      for (const path of [MANIFEST_PATH, BLOB_PATH, 'alpine/tags/list']) {
        const r = await pull(path, who);
        expect(r.status, `${path} ${who}`).toBe(401);
        expect(r.body.toString()).not.toContain('layers');
        expect(JSON.parse(r.body.toString()).errors[0].code).toBe('UNAUTHORIZED');
        const [c] = parseChallenges(r.headers['www-authenticate'] ?? '');
        expect(c?.params['scope']).toBe('repository:alpine:pull');
      }
    }
  });

  it('asks the registry once per client and repository while access_cache_for lasts', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake, { access_cache_for: '10m' });
    const alice = tokenOf(await troveToken(basic('alice')));
    const heads = (): number => fake.reg.requests.filter((r) => r.method === 'HEAD').length;
    expect((await pull(MANIFEST_PATH, alice)).status).toBe(200);
    const asked = heads();
    expect(asked).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      expect((await pull(MANIFEST_PATH, alice)).status).toBe(200);
      expect((await pull(BLOB_PATH, alice)).status).toBe(200);
    }
    expect(heads()).toBe(asked);
    // The blob came once, with alice's credentials, and is served from the cache after.
    expect(
      fake.reg.requests.filter(
        (r) => r.method === 'GET' && r.url?.includes('/blobs/') && r.headers['authorization'],
      ).length,
    ).toBe(1);
  });

  it('asks again once access_cache_for has passed, and a grant the registry revoked is refused', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake, { access_cache_for: '150ms' });
    tokenTtl = 0;
    const alice = tokenOf(await troveToken(basic('alice')));
    expect((await pull(BLOB_PATH, alice)).body.toString()).toBe(LAYER);
    const granted = GRANTS['alice'];
    GRANTS['alice'] = [];
    try {
      // Still within access_cache_for: the cached grant stands.
      expect((await pull(BLOB_PATH, alice)).status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      for (const path of [BLOB_PATH, MANIFEST_PATH]) {
        const refused = await pull(path, alice);
        expect(refused.status, path).toBe(401);
        expect(refused.body.toString()).not.toContain(LAYER);
      }
    } finally {
      GRANTS['alice'] = granted ?? [];
      tokenTtl = 300;
    }
    // The blob came once (with a token) and was never fetched again meanwhile.
    expect(
      fake.reg.requests.filter(
        (r) =>
          r.method === 'GET' &&
          r.url?.includes('/blobs/') &&
          r.headers['authorization']?.startsWith('Bearer '),
      ).length,
    ).toBe(1);
  });

  it('asks once for 20 concurrent cold requests of one client, and fetches the blob once', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake);
    const alice = tokenOf(await troveToken(basic('alice')));
    const got = await Promise.all(Array.from({ length: 20 }, () => pull(BLOB_PATH, alice)));
    expect(got.map((r) => r.body.toString())).toEqual(Array(20).fill(LAYER));
    expect(got[0]?.headers['content-type']).toBe('application/octet-stream');
    // One probe: a HEAD without a token (401), then with the token alice's credentials got.
    expect(fake.reg.requests.filter((r) => r.method === 'HEAD').length).toBe(2);
    const gets = fake.reg.requests.filter((r) => r.method === 'GET' && r.url?.includes('/blobs/'));
    expect(gets.length).toBe(1);
  });

  it('takes a redirect to a CDN as a grant: signed URLs often refuse HEAD', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake);
    const alice = tokenOf(await troveToken(basic('alice')));
    const r = await pull(`alpine/blobs/${sha(CDN_LAYER)}`, alice);
    expect([r.status, r.body.toString()]).toEqual([200, CDN_LAYER]);
    const anonymous = await pull(`alpine/blobs/${sha(CDN_LAYER)}`);
    expect(anonymous.status).toBe(401);
  });

  it('checks a login (no scope) against the registry, so a wrong password fails there', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake);
    expect((await troveToken(basic('alice'), '')).status).toBe(200);
    const wrong = await troveToken(basic('alice', 'nope'), '');
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body.toString()).errors[0].code).toBe('UNAUTHORIZED');
    await fake.reg.stop();
    const down = await troveToken(basic('alice'), '');
    expect([down.status, JSON.parse(down.body.toString()).errors[0].code]).toEqual([
      503,
      'UNAVAILABLE',
    ]);
  });

  it('keeps serving a client it has seen granted while the registry is down, and no one else', async () => {
    const fake = await privateRegistry();
    await startPassthrough(fake, { access_cache_for: '0s' });
    const alice = tokenOf(await troveToken(basic('alice')));
    const bob = tokenOf(await troveToken(basic('bob')));
    expect((await pull(MANIFEST_PATH, alice)).status).toBe(200);
    expect((await pull(BLOB_PATH, alice)).status).toBe(200);
    expect((await pull(BLOB_PATH, bob)).status).toBe(401);
    await fake.reg.stop();
    expect((await pull(MANIFEST_PATH, alice)).body.toString()).toBe(MANIFEST);
    expect((await pull(BLOB_PATH, alice)).body.toString()).toBe(LAYER);
    const r = await pull(BLOB_PATH, bob);
    expect(r.status).toBe(503);
    expect(r.body.toString()).not.toContain(LAYER);
  });

  it('never forwards credentials to a registry the token was not asked for', async () => {
    const fake = await privateRegistry();
    const other = await privateRegistry();
    await startPassthrough(fake, {
      registries: { 'other.test': { url: other.reg.url, passthrough: true } },
    });
    const alice = tokenOf(await troveToken(basic('alice')));
    expect((await pull('other.test/library/alpine/manifests/3', alice)).status).toBe(401);
    expect(other.tokenRequests.every((t) => !t.startsWith('Basic'))).toBe(true);
  });

  it('leaves registries without passthrough to Trove, for clients with an anonymous token', async () => {
    const fake = await privateRegistry();
    const open = await upstream((u) => u.file('/v2/team/app/blobs/' + sha('open'), 'open', {}));
    await startPassthrough(fake, { registries: { 'open.test': open.url } });
    const anonymous = tokenOf(await troveToken(undefined, 'repository:open.test/team/app:pull'));
    const r = await pull(`open.test/team/app/blobs/${sha('open')}`, anonymous);
    expect([r.status, r.body.toString()]).toEqual([200, 'open']);
  });

  it('refuses auth together with passthrough in the config, naming file and key', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'trove-oci-cfg-')), 'c.yaml');
    writeFileSync(
      f,
      [
        'instances:',
        '  oci:',
        '    type: oci',
        '    registries:',
        '      docker.io:',
        '        url: http://127.0.0.1:9',
        '        passthrough: true',
        '        auth: { username: a, password: b }',
      ].join('\n'),
    );
    let problems: string[] = [];
    try {
      loadConfig(defaultRegistry(), { file: f, env: {} });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      `${f}: instances.oci.registries.docker.io.passthrough: a registry uses either \`auth\` or \`passthrough\`, not both`,
    ]);
  });
});

function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}
