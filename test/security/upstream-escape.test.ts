// Upstream escapes: a client's path is appended to the configured base, never resolved against
// it, so no first segment (http:, https:, file:, sha256:, any word:) can reach another host,
// port or base path. Redirects and token realms, which an upstream names, stay on http(s)
// without credentials or a downgrade. A canary server counts every connection it receives.
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TroveError } from '../../src/errors.js';
import { UpstreamPool } from '../../src/upstream/upstream-pool.js';
import { GitMirror } from '../../src/vcs/git-mirror.js';
import { get } from '../helpers/client.js';
import { managedUpstreams, stopAfterEach } from '../helpers/fake-upstream.js';
import { selfSignedCert } from '../helpers/net-fixtures.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

/** A TCP server that answers any HTTP request with a secret and counts connections. */
let canary: Server;
let canaryPort = 0;
let canaryConnections = 0;
beforeAll(async () => {
  canary = createServer((s) => {
    canaryConnections++;
    s.on('error', () => undefined);
    s.end('HTTP/1.1 200 OK\r\ncontent-length: 6\r\nconnection: close\r\n\r\nsecret');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => canary.close(() => r())));

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

/** An upstream that answers every path under /base/ with the path it was asked for. */
async function echoUpstream() {
  const up = await upstream();
  up.server.removeAllListeners('request');
  up.server.on('request', (req, res) => {
    up.requests.push(req);
    const body = `asked ${req.url}`;
    res.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  });
  return up;
}

describe('file instances: a scheme-like first segment stays a path under the base', () => {
  const shapes = (port: number): string[] => [
    `http:127.0.0.1:${port}/secret`,
    `https:127.0.0.1:${port}/secret`,
    'http:/x',
    'https:/x',
    'file:/etc/passwd',
    'file:etc/passwd',
    'sha256:abc/def',
    'javascript:alert(1)',
    `ftp:127.0.0.1:${port}/x`,
    `HTTP:127.0.0.1:${port}/secret`,
    `%68ttp:127.0.0.1:${port}/secret`,
  ];

  it('asks only the configured upstream, under its base path, for every shape', async () => {
    const up = await echoUpstream();
    trove = await startTrove(fileInstance(`${up.url}/base/`));
    const before = canaryConnections;
    for (const shape of shapes(canaryPort)) {
      const r = await get(`${trove.url}/files/${shape}`);
      expect(r.status, shape).toBe(200);
      const asked = r.body.toString().replace(/^asked /, '');
      expect(asked.startsWith('/base/'), `${shape} -> ${asked}`).toBe(true);
      expect(decodeURIComponent(asked), shape).toBe(`/base/${decodeURIComponent(shape)}`);
    }
    expect(canaryConnections).toBe(before);
    expect(up.requests.every((q) => (q.url ?? '').startsWith('/base/'))).toBe(true);
  });

  it('keeps the base when the upstream is https too (an https: first segment is no URL)', async () => {
    const cert = selfSignedCert(['localhost']);
    const dir = mkdtempSync(join(tmpdir(), 'trove-ca-'));
    writeFileSync(join(dir, 'ca.pem'), cert.cert);
    const asked: string[] = [];
    const tls: HttpsServer = createHttpsServer(cert, (req, res) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      const base = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/base/`;
      trove = await startTrove({
        ...fileInstance(base),
        upstream: { ca_file: join(dir, 'ca.pem') },
      });
      const before = canaryConnections;
      for (const shape of [
        `https:127.0.0.1:${canaryPort}/s`,
        'https:/x',
        `http:127.0.0.1:${canaryPort}/s`,
      ]) {
        expect((await get(`${trove.url}/files/${shape}`)).status, shape).toBe(200);
      }
      expect(canaryConnections).toBe(before);
      expect(asked.every((u) => u.startsWith('/base/'))).toBe(true);
      expect(asked).toHaveLength(3);
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });
});

describe('the upstream pool refuses paths that would leave the base', () => {
  const agent = new Agent();
  afterAll(() => agent.close());

  it.each([
    ['/x', 'root-relative'],
    ['a/../../x', 'dot segments above the base'],
    ['%2e%2e/%2e%2e/x', 'encoded dot segments'],
    ['a\\..\\..\\x', 'backslashes'],
    ['x#frag', 'a fragment'],
    ['a b', 'whitespace'],
  ])('%s (%s) is a 400 before any connection', async (path) => {
    const up = await echoUpstream();
    const pool = new UpstreamPool([{ url: `${up.url}/base/` }], agent);
    const err = await pool.fetch(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TroveError);
    expect((err as TroveError).code).toBe('TROVE_ERR_BAD_PATH');
    expect(up.requests).toHaveLength(0);
  });

  it('appends a path with a query as text', async () => {
    const up = await echoUpstream();
    const pool = new UpstreamPool([{ url: `${up.url}/base` }], agent);
    const res = await pool.fetch(`http:127.0.0.1:${canaryPort}/v2/tags/list?n=1&last=http://x`);
    expect(res.status).toBe(200);
    expect(up.requests[0]?.url).toBe(
      `/base/http:127.0.0.1:${canaryPort}/v2/tags/list?n=1&last=http://x`,
    );
  });
});

describe('redirects stay on http(s), without credentials or a downgrade', () => {
  it.each([
    ['file:///etc/passwd', 'scheme file:'],
    ['ftp://127.0.0.1:PORT/x', 'scheme ftp:'],
    ['http://user:pw@127.0.0.1:PORT/x', 'credentials in the URL'],
    ['gopher://127.0.0.1:PORT/x', 'scheme gopher:'],
  ])('a redirect to %s is refused (%s), with a 502 and nothing cached', async (target, why) => {
    const location = target.replace('PORT', String(canaryPort));
    const up = await upstream((u) =>
      u.route('/base/f', (_req, res) => void res.writeHead(302, { location }).end()),
    );
    trove = await startTrove(fileInstance(`${up.url}/base/`));
    const before = canaryConnections;
    const r = await get(`${trove.url}/files/f`);
    expect(r.status).toBe(502);
    expect(r.headers['x-trove-error']).toBe('TROVE_ERR_UPSTREAM_STATUS');
    expect(r.body.toString()).toContain(why);
    expect(canaryConnections).toBe(before);
  });

  it('an https upstream may not redirect to plain http', async () => {
    const cert = selfSignedCert(['localhost']);
    const dir = mkdtempSync(join(tmpdir(), 'trove-ca-'));
    writeFileSync(join(dir, 'ca.pem'), cert.cert);
    const tls = createHttpsServer(cert, (_req, res) =>
      res.writeHead(302, { location: `http://127.0.0.1:${canaryPort}/blob` }).end(),
    );
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    try {
      trove = await startTrove({
        ...fileInstance(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/`),
        upstream: { ca_file: join(dir, 'ca.pem') },
      });
      const before = canaryConnections;
      const r = await get(`${trove.url}/files/f`);
      expect([r.status, r.body.toString()]).toEqual([
        502,
        expect.stringContaining('https to http downgrade'),
      ]);
      expect(canaryConnections).toBe(before);
    } finally {
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    }
  });
});

describe('oci token realms', () => {
  it.each([
    ['file:///etc/passwd', 'scheme file:'],
    ['http://me:pw@127.0.0.1:PORT/token', 'credentials in the URL'],
    ['ftp://127.0.0.1:PORT/token', 'scheme ftp:'],
  ])('a realm of %s is refused (%s) and never contacted', async (realm, why) => {
    const reg = await upstream((u) =>
      u.route(
        '/v2/team/app/manifests/v1',
        (_req, res) =>
          void res
            .writeHead(401, {
              'www-authenticate': `Bearer realm="${realm.replace('PORT', String(canaryPort))}",service="x"`,
            })
            .end(),
      ),
    );
    trove = await startTrove({
      instances: {
        oci: {
          type: 'oci',
          registries: { 'reg.test': { url: reg.url, auth: { username: 'me', password: 'pw' } } },
        },
      },
    });
    const before = canaryConnections;
    const r = await get(`${trove.url}/v2/reg.test/team/app/manifests/v1`);
    expect(r.status).toBe(502);
    expect(r.body.toString()).toContain(why);
    expect(canaryConnections).toBe(before);
  });
});

describe('oci blob redirects', () => {
  it('a registry redirecting a blob to file: or to credentials in a URL gets a 502, the canary nothing', async () => {
    const digest = `sha256:${'c'.repeat(64)}`;
    const reg = await upstream((u) =>
      u
        .route(
          `/v2/team/app/blobs/${digest}`,
          (_req, res) => void res.writeHead(307, { location: 'file:///etc/passwd' }).end(),
        )
        .route(
          `/v2/team/other/blobs/${digest}`,
          (_req, res) =>
            void res
              .writeHead(307, { location: `http://me:pw@127.0.0.1:${canaryPort}/blob` })
              .end(),
        ),
    );
    trove = await startTrove({
      instances: { oci: { type: 'oci', registries: { 'reg.test': reg.url } } },
    });
    const before = canaryConnections;
    for (const repo of ['team/app', 'team/other']) {
      const r = await get(`${trove.url}/v2/reg.test/${repo}/blobs/${digest}`);
      expect(r.status, repo).toBe(502);
    }
    expect(canaryConnections).toBe(before);
  });
});

describe('go instances', () => {
  it('scheme-like module paths never reach another host, and the base path is kept', async () => {
    const up = await echoUpstream();
    trove = await startTrove({
      instances: { go: { type: 'go', path: '/go', upstreams: [`${up.url}/base/`], verify: false } },
    });
    const before = canaryConnections;
    for (const p of [
      `http:127.0.0.1:${canaryPort}/@v/list`,
      `https:127.0.0.1:${canaryPort}/m/@v/list`,
      'file:/etc/@v/list',
      `127.0.0.1:${canaryPort}/m/@v/list`,
    ]) {
      const r = await get(`${trove.url}/go/${p}`);
      expect(r.status, p).toBeGreaterThanOrEqual(400);
      expect(r.status, p).toBeLessThan(500);
    }
    expect(up.requests).toHaveLength(0);
    expect((await get(`${trove.url}/go/example.com/m/@v/list`)).status).toBe(200);
    expect(up.requests.map((q) => q.url)).toEqual(['/base/example.com/m/@v/list']);
    expect(canaryConnections).toBe(before);
  });
});

describe('git remotes', () => {
  it('only http(s) repositories are mirrored: ext::, file:// and ssh are refused before git runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trove-git-'));
    const marker = join(dir, 'pwned');
    const settings = { dir, tempPath: () => join(dir, 'tmp'), timeoutMs: 10_000, refreshMs: 0 };
    for (const url of [
      `ext::sh -c touch% ${marker}`,
      `file://${dir}`,
      'ssh://git@127.0.0.1/x.git',
      'git://127.0.0.1/x.git',
    ]) {
      expect(() => new GitMirror(url, undefined, settings), url).toThrow(/http/);
    }
    expect(existsSync(marker)).toBe(false);
  });
});
