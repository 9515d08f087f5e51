// The go instance against fake upstreams: endpoints, path checks, cache policy, the GOPROXY
// chain, private modules, allow/deny rules, cache-only requests and the checksum database proxy.
import { describe, expect, it } from 'vitest';
import { get } from '../../helpers/client.js';
import {
  gate,
  managedUpstreams,
  stopAfterEach,
  until,
  type FakeUpstream,
} from '../../helpers/fake-upstream.js';
import { testVerifierKey } from '../../helpers/go-fixtures.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

const SUMDB_KEY = testVerifierKey('sum.example.test');

/** A proxy holding example.com/mod v1.0.0 and v1.1.0. */
function proxy(u: FakeUpstream): FakeUpstream {
  for (const v of ['v1.0.0', 'v1.1.0']) {
    u.file(
      `/example.com/mod/@v/${v}.info`,
      JSON.stringify({ Version: v, Time: '2024-01-02T03:04:05Z' }),
    );
    u.file(`/example.com/mod/@v/${v}.mod`, 'module example.com/mod\n');
    u.file(`/example.com/mod/@v/${v}.zip`, `zip bytes of ${v}`);
  }
  u.file(
    '/example.com/mod/@v/list',
    'v1.0.0\nv1.1.0\nv0.0.0-20200101000000-abcdefabcdef\nbogus\nv1.0.0\n',
  );
  u.file('/example.com/mod/@latest', JSON.stringify({ Version: 'v1.1.0' }));
  u.file(
    '/example.com/mod/@v/main.info',
    JSON.stringify({ Version: 'v1.1.1-0.20240101000000-abcdefabcdef' }),
  );
  return u;
}

/** Checksum verification needs a real database; test/e2e/go-*.test.ts covers it. */
function goInstance(over: Record<string, unknown>): Record<string, unknown> {
  return { instances: { go: { type: 'go', verify: false, ...over } } };
}

describe('GOPROXY protocol', () => {
  it('serves .info, .mod and .zip at the root and at /go, caching them for good', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: up.url }));
    for (const base of [trove.url, `${trove.url}/go`]) {
      const zip = await get(`${base}/example.com/mod/@v/v1.0.0.zip`);
      expect(zip.status).toBe(200);
      expect(zip.body.toString()).toBe('zip bytes of v1.0.0');
      expect((await get(`${base}/example.com/mod/@v/v1.0.0.mod`)).body.toString()).toBe(
        'module example.com/mod\n',
      );
      const info = await get(`${base}/example.com/mod/@v/v1.0.0.info`);
      expect(JSON.parse(info.body.toString())).toMatchObject({ Version: 'v1.0.0' });
    }
    expect(up.count('/example.com/mod/@v/v1.0.0.zip')).toBe(1);
    expect(up.count('/example.com/mod/@v/v1.0.0.info')).toBe(1);
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`)).headers['x-cache']).toBe(
      'HIT',
    );
    // The home page and system routes still win at the root.
    expect((await get(`${trove.url}/`)).headers['content-type']).toMatch(/text\/html/);
    expect((await get(`${trove.url}/health`)).status).toBe(200);
  });

  it('lists only tagged canonical versions, once each', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: up.url }));
    const r = await get(`${trove.url}/example.com/mod/@v/list`);
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('v1.0.0\nv1.1.0\n');
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('revalidates lists, @latest and queries after query_fresh_for', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: up.url, query_fresh_for: '100ms' }));
    for (const p of [
      '/example.com/mod/@latest',
      '/example.com/mod/@v/main.info',
      '/example.com/mod/@v/list',
    ]) {
      expect((await get(`${trove.url}${p}`)).status).toBe(200);
      expect((await get(`${trove.url}${p}`)).status).toBe(200);
      expect(up.count(p)).toBe(1);
      await new Promise((r) => setTimeout(r, 150));
      expect((await get(`${trove.url}${p}`)).status).toBe(200);
      expect(up.count(p)).toBe(2);
    }
  });

  it('rejects malformed paths and versions with text/plain 400/404, without asking upstream', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: up.url }));
    const cases: Array<[string, number, RegExp]> = [
      ['/Example.com/mod/@v/list', 400, /invalid escaped module path/],
      ['/example.com/mod/@v/v1.0.mod', 400, /canonical version/],
      ['/example.com/mod/@v/v1.0.0+meta.zip', 400, /canonical version/],
      ['/example.com/mod/@v/v2.0.0.mod', 404, /invalid version for this module path/],
      ['/example.com/mod/v2/@v/v1.0.0.info', 404, /invalid version for this module path/],
      ['/example.com/mod/@v/v1.0.0.txt', 404, /unknown endpoint/],
      ['/example.com/mod/@v/!!.info', 400, /invalid escaped version/],
      ['/nodot/mod/@v/list', 400, /missing dot/],
      ['/just-a-path', 404, /not a module proxy path/],
    ];
    for (const [path, status, message] of cases) {
      const r = await get(`${trove.url}${path}`);
      expect([path, r.status]).toEqual([path, status]);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
      expect(r.body.toString()).toMatch(message);
    }
    expect(up.requests.length).toBe(0);
    const post = await get(`${trove.url}/example.com/mod/@v/list`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('passes !-escaped paths and versions to the upstream as they are, one cache key each', async () => {
    const up = await upstream((u) =>
      u
        .file('/github.com/!azure/!s!d!k/@v/v1.0.0-!r!c1.info', '{"Version":"v1.0.0-RC1"}')
        .file('/github.com/!azure/!s!d!k/@v/list', 'v1.0.0-RC1\n'),
    );
    trove = await startTrove(goInstance({ upstreams: up.url }));
    for (let i = 0; i < 2; i++) {
      const info = await get(`${trove.url}/github.com/!azure/!s!d!k/@v/v1.0.0-!r!c1.info`);
      expect([info.status, info.body.toString()]).toEqual([200, '{"Version":"v1.0.0-RC1"}']);
    }
    expect(up.count('/github.com/!azure/!s!d!k/@v/v1.0.0-!r!c1.info')).toBe(1);
    // Upper case is how the escape is spelled wrongly: refused, never asked upstream.
    for (const bad of [
      '/github.com/Azure/SDK/@v/list',
      '/github.com/!Azure/sdk/@v/list',
      '/github.com/!azure/!s!d!k/@v/v1.0.0-RC1.info',
    ]) {
      expect((await get(`${trove.url}${bad}`)).status, bad).toBe(400);
    }
    expect(up.requests.map((r) => r.url)).toEqual([
      '/github.com/!azure/!s!d!k/@v/v1.0.0-!r!c1.info',
    ]);
  });

  it('answers upstream trouble with 502/504, never 404', async () => {
    const up = await upstream((u) =>
      u.route('/example.com/mod/@v/v1.0.0.mod', (_q, s) => void s.writeHead(500).end()),
    );
    trove = await startTrove(goInstance({ upstreams: [up.url, 'http://127.0.0.1:1'] }));
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.mod`)).status).toBe(502);
    trove = await startTrove(goInstance({ upstreams: 'http://127.0.0.1:1' }));
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.mod`)).status).toBe(502);
  });
});

describe('module feed', () => {
  it('lists cached versions at /index (index.golang.org format) and /catalog (paged)', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: up.url }));
    const feed = async (path: string) => {
      const r = await get(`${trove?.url}${path}`);
      return { status: r.status, type: r.headers['content-type'], text: r.body.toString() };
    };
    expect((await feed('/index')).text).toBe('');
    await get(`${trove.url}/example.com/mod/@v/v1.0.0.info`);
    await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`);
    await new Promise((r) => setTimeout(r, 20));
    await get(`${trove.url}/example.com/mod/@v/v1.1.0.mod`);
    await get(`${trove.url}/example.com/mod/@v/list`); // not a version: not in the feed
    // Noting is done in the background, right after the commit.
    let lines: Array<{ Path: string; Version: string; Timestamp: string }> = [];
    for (let i = 0; i < 50 && lines.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const index = await feed('/index');
      expect(index.type).toMatch(/^application\/json/);
      lines = index.text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as (typeof lines)[number]);
    }
    expect(lines.map((l) => `${l.Path}@${l.Version}`)).toEqual([
      'example.com/mod@v1.0.0',
      'example.com/mod@v1.1.0',
    ]);
    const second = lines[1]?.Timestamp as string;
    expect(Date.parse(second)).toBeGreaterThan(Date.parse(lines[0]?.Timestamp as string));
    const since = await feed(`/index?since=${encodeURIComponent(second)}&limit=5`);
    expect(since.text).toContain('"Version":"v1.1.0"');
    expect(since.text).not.toContain('"Version":"v1.0.0"');
    expect((await feed('/go/index?limit=1')).text.trim().split('\n')).toHaveLength(1);
    const page1 = JSON.parse((await feed('/catalog?pagesize=1')).text) as {
      modules: Array<{ module: string; version: string }>;
      next: string;
    };
    expect(page1.modules).toEqual([{ module: 'example.com/mod', version: 'v1.0.0' }]);
    const page2 = JSON.parse((await feed(`/catalog?pagesize=1&token=${page1.next}`)).text) as {
      modules: unknown[];
      next: string;
    };
    expect(page2.modules).toEqual([{ module: 'example.com/mod', version: 'v1.1.0' }]);
    const page3 = JSON.parse((await feed(`/catalog?pagesize=1&token=${page2.next}`)).text) as {
      modules: unknown[];
      next: string;
    };
    expect(page3).toEqual({ modules: [], next: '' });
    expect((await feed('/index?since=yesterday')).status).toBe(400);
    expect((await feed('/catalog?pagesize=0')).status).toBe(400);
  });
});

describe('not-found reasons', () => {
  it("passes the upstream's text/plain 404 reason on, also from the negative cache", async () => {
    const up = await upstream((u) =>
      u.route('/example.com/mod/@v/v1.9.9.info', (_q, s) => {
        s.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
        s.end('not found: example.com/mod@v1.9.9: unknown revision v1.9.9\nmore detail\n');
      }),
    );
    trove = await startTrove(goInstance({ upstreams: up.url }));
    for (let i = 0; i < 2; i++) {
      const r = await get(`${trove.url}/example.com/mod/@v/v1.9.9.info`);
      expect([r.status, r.body.toString()]).toEqual([
        404,
        'not found upstream: not found: example.com/mod@v1.9.9: unknown revision v1.9.9\n',
      ]);
    }
    expect(up.count('/example.com/mod/@v/v1.9.9.info')).toBe(1);
  });
});

describe('toolchain modules', () => {
  it('passes golang.org/toolchain through and caches it like any module', async () => {
    const v = 'v0.0.1-go1.23.5.linux-amd64';
    const up = await upstream((u) =>
      u
        .file(`/golang.org/toolchain/@v/${v}.zip`, 'toolchain zip')
        .file(`/golang.org/toolchain/@v/${v}.mod`, 'module golang.org/toolchain\n'),
    );
    trove = await startTrove(goInstance({ upstreams: up.url }));
    for (let i = 0; i < 2; i++) {
      expect((await get(`${trove.url}/golang.org/toolchain/@v/${v}.zip`)).body.toString()).toBe(
        'toolchain zip',
      );
    }
    expect(up.count(`/golang.org/toolchain/@v/${v}.zip`)).toBe(1);
  });
});

describe('the GOPROXY chain', () => {
  it('after "," falls through only on 404/410', async () => {
    const first = await upstream();
    first.route('/example.com/mod/@v/v1.0.0.zip', (_q, s) => void s.writeHead(410).end());
    first.route('/example.com/mod/@v/v1.1.0.zip', (_q, s) => void s.writeHead(500).end());
    const second = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: `${first.url},${second.url}` }));
    const found = await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`);
    expect(found.status).toBe(200);
    expect(found.body.toString()).toBe('zip bytes of v1.0.0');
    expect((await get(`${trove.url}/example.com/mod/@v/v1.1.0.zip`)).status).toBe(502);
    expect(second.count('/example.com/mod/@v/v1.1.0.zip')).toBe(0);
  });

  it('after "|" falls through on any error; the list form says the same with fallthrough', async () => {
    const first = await upstream();
    first.route('/example.com/mod/@v/v1.1.0.zip', (_q, s) => void s.writeHead(500).end());
    const second = await upstream(proxy);
    for (const upstreams of [
      `${first.url}|http://127.0.0.1:1|${second.url}`,
      [
        { url: first.url, fallthrough: 'any_error' },
        { url: 'http://127.0.0.1:1', fallthrough: 'any_error' },
        second.url,
      ],
    ]) {
      trove = await startTrove(goInstance({ upstreams }));
      const r = await get(`${trove.url}/example.com/mod/@v/v1.1.0.zip`);
      expect(r.status).toBe(200);
      expect(r.body.toString()).toBe('zip bytes of v1.1.0');
      await trove.stop();
    }
  });

  it('takes every file of one version from the upstream that answered first', async () => {
    const first = await upstream((u) => {
      u.file('/example.com/mod/@v/v1.0.0.info', JSON.stringify({ Version: 'v1.0.0' }));
      u.file('/example.com/mod/@v/v1.0.0.mod', 'module example.com/mod // first\n');
      return u;
    });
    const second = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: `${first.url},${second.url}` }));
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.info`)).status).toBe(200);
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.mod`)).body.toString()).toMatch(
      /first/,
    );
    // The first upstream lacks this version's zip: a mixed copy is not assembled from the second.
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`)).status).toBe(404);
    expect(second.count('/example.com/mod/@v/v1.0.0.zip')).toBe(0);
    // A version the first upstream never had comes wholly from the second.
    expect((await get(`${trove.url}/example.com/mod/@v/v1.1.0.zip`)).body.toString()).toBe(
      'zip bytes of v1.1.0',
    );
  });

  it('keeps a version on the upstream that answered first across a restart', async () => {
    const first = await upstream();
    const second = await upstream(proxy);
    const cfg = goInstance({ upstreams: `${first.url},${second.url}` });
    trove = await startTrove(cfg, { keepDir: true });
    const dir = trove.dir;
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.info`)).status).toBe(200);
    await trove.stop();
    // The first upstream now has its own copy of the version; the pin still says the second.
    first.file('/example.com/mod/@v/v1.0.0.info', JSON.stringify({ Version: 'v1.0.0' }));
    first.file('/example.com/mod/@v/v1.0.0.mod', 'module example.com/mod // other copy\n');
    first.file('/example.com/mod/@v/v1.0.0.zip', 'another zip');
    trove = await startTrove(cfg, { dir });
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`)).body.toString()).toBe(
      'zip bytes of v1.0.0',
    );
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.mod`)).body.toString()).not.toMatch(
      /other copy/,
    );
    expect(first.count('/example.com/mod/@v/v1.0.0.zip')).toBe(0);
    // A version nobody pinned yet still goes down the chain in order.
    first.file('/example.com/mod/@v/v1.1.0.info', JSON.stringify({ Version: 'v1.1.0' }));
    expect((await get(`${trove.url}/example.com/mod/@v/v1.1.0.info`)).status).toBe(200);
    expect(second.count('/example.com/mod/@v/v1.1.0.info')).toBe(0);
  });

  it('keeps the first pin when two processes on one cache race for a version', async () => {
    const copy = (name: string) => (u: FakeUpstream) => {
      u.file('/example.com/mod/@v/v1.0.0.info', JSON.stringify({ Version: 'v1.0.0' }));
      u.file('/example.com/mod/@v/v1.0.0.mod', `module example.com/mod // ${name}\n`);
      return u;
    };
    const a = await upstream(copy('from a'));
    const b = await upstream(copy('from b'));
    // b answers the second process's .mod only once the first process has pinned a.
    const pinned = gate();
    const bMod = '/example.com/mod/@v/v1.0.0.mod';
    b.route(bMod, async (_req, res) => {
      await pinned.wait;
      res.writeHead(200).end('module example.com/mod // from b\n');
    });
    trove = await startTrove(goInstance({ upstreams: `${a.url},${b.url}` }), { keepDir: true });
    const other = await startTrove(goInstance({ upstreams: `${b.url},${a.url}` }), {
      dir: trove.dir,
      keepDir: true,
    });
    try {
      const mod = get(`${other.url}${bMod}`);
      await until(() => b.count(bMod) === 1);
      expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.info`)).status).toBe(200);
      pinned.open();
      // The second process's own answer (from b) is dropped for the pinned upstream's copy.
      expect((await mod).body.toString()).toBe('module example.com/mod // from a\n');
      expect(a.count(bMod)).toBe(1);
    } finally {
      await other.stop();
    }
  });

  it('answers 404 when no upstream has the module, so the client tries its next proxy', async () => {
    const first = await upstream();
    const second = await upstream();
    trove = await startTrove(goInstance({ upstreams: `${first.url},${second.url}` }));
    const r = await get(`${trove.url}/example.com/other/@v/v1.0.0.info`);
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
  });
});

describe('private modules and gatekeeping', () => {
  it('never asks upstream proxies or checksum databases about private modules', async () => {
    const up = await upstream(proxy);
    const sum = await upstream((u) => u.file('/lookup/example.com/mod@v1.0.0', 'record'));
    trove = await startTrove(
      goInstance({
        upstreams: up.url,
        private: ['corp.example.com', '*.internal'],
        sumdb: [{ name: 'sum.example.test', url: sum.url, key: SUMDB_KEY }],
        // Private modules go to version control only; this one is unreachable.
        direct: {
          repos: [
            { prefix: 'corp.example.com', url: 'http://127.0.0.1:1/{1}/{2}' },
            { prefix: '*.internal', url: 'http://127.0.0.1:1/{1}' },
          ],
        },
      }),
    );
    for (const p of ['/corp.example.com/team/lib/@v/list', '/git.internal/x/@v/v1.0.0.zip']) {
      const r = await get(`${trove.url}${p}`);
      expect(r.status).toBe(502);
      expect(r.body.toString()).toMatch(/git fetch failed/);
    }
    const lookup = await get(
      `${trove.url}/sumdb/sum.example.test/lookup/corp.example.com/team/lib@v1.0.0`,
    );
    expect(lookup.status).toBe(403);
    expect(up.requests.length + sum.requests.length).toBe(0);
    expect(
      (await get(`${trove.url}/sumdb/sum.example.test/lookup/example.com/mod@v1.0.0`)).status,
    ).toBe(200);
    expect(sum.count('/lookup/example.com/mod@v1.0.0')).toBe(1);
  });

  it('reads GONOPROXY modules from version control only, still checked against the database', async () => {
    const up = await upstream(proxy);
    const sum = await upstream((u) => u.file('/lookup/example.com/mod@v1.0.0', 'not a record'));
    trove = await startTrove({
      instances: {
        go: {
          type: 'go',
          upstreams: up.url,
          noproxy: 'example.com/mod',
          sumdb: [{ name: 'sum.example.test', url: sum.url, key: SUMDB_KEY }],
          direct: { repos: [{ prefix: 'example.com/mod', url: 'http://127.0.0.1:1/{1}' }] },
        },
      },
    });
    const r = await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`);
    expect([r.status, r.body.toString()]).toEqual([
      502,
      expect.stringMatching(/malformed record from sum.example.test/),
    ]);
    expect(sum.count('/lookup/example.com/mod@v1.0.0')).toBe(1);
    // The proxy was asked whether it proxies the database, never for the module.
    expect(up.requests.map((q) => q.url)).toEqual(['/sumdb/sum.example.test/supported']);
  });

  it('caches unverified with gosumdb off, as GOSUMDB=off downloads', async () => {
    const up = await upstream(proxy);
    trove = await startTrove({
      instances: { go: { type: 'go', upstreams: up.url, gosumdb: 'off' } },
    });
    const r = await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`);
    expect([r.status, r.body.toString()]).toEqual([200, 'zip bytes of v1.0.0']);
  });

  it('refuses denied modules with 403 and the reason, and outside the allow list', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(
      goInstance({
        upstreams: up.url,
        allow: [{ module: 'example.com/*' }],
        deny: [{ module: 'example.com/evil', reason: 'blocked by security review' }],
      }),
    );
    const denied = await get(`${trove.url}/example.com/evil/@v/v1.0.0.zip`);
    expect(denied.status).toBe(403);
    expect(denied.body.toString()).toMatch(
      /example.com\/evil@v1.0.0 is denied by policy \(blocked by security review\)/,
    );
    const outside = await get(`${trove.url}/other.org/x/@v/list`);
    expect(outside.status).toBe(403);
    expect(outside.body.toString()).toMatch(/not on this proxy's allow list/);
    expect((await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`)).status).toBe(200);
    expect(up.requests.map((r) => r.url)).toEqual(['/example.com/mod/@v/v1.0.0.zip']);
  });

  it('keeps denied versions out of lists, @latest and queries', async () => {
    const up = await upstream(proxy);
    up.file('/example.com/mod/@v/bad.info', JSON.stringify({ Version: 'v1.1.0' }));
    trove = await startTrove(
      goInstance({
        upstreams: up.url,
        deny: [{ module: 'example.com/mod', versions: '>=v1.1.0', reason: 'CVE-2099-0001' }],
      }),
    );
    expect((await get(`${trove.url}/example.com/mod/@v/list`)).body.toString()).toBe('v1.0.0\n');
    const latest = await get(`${trove.url}/example.com/mod/@latest`);
    expect(latest.status).toBe(200);
    expect(JSON.parse(latest.body.toString())).toMatchObject({ Version: 'v1.0.0' });
    const zip = await get(`${trove.url}/example.com/mod/@v/v1.1.0.zip`);
    expect([zip.status, zip.body.toString()]).toEqual([
      403,
      'example.com/mod@v1.1.0 is denied by policy (CVE-2099-0001)\n',
    ]);
    expect((await get(`${trove.url}/example.com/mod/@v/bad.info`)).status).toBe(403);
    expect(up.count('/example.com/mod/@v/v1.1.0.zip')).toBe(0);
  });
});

describe('cache-only requests and offline mode', () => {
  it('honours Disable-Module-Fetch and /cached-only/: cached answers, 404 otherwise', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: up.url }));
    const path = '/example.com/mod/@v/v1.0.0.mod';
    const header = { 'disable-module-fetch': 'true' };
    expect((await get(`${trove.url}${path}`, { headers: header })).status).toBe(404);
    expect((await get(`${trove.url}/cached-only${path}`)).status).toBe(404);
    expect((await get(`${trove.url}/cached-only/example.com/mod/@v/list`)).status).toBe(404);
    expect(up.requests.length).toBe(0);
    expect((await get(`${trove.url}${path}`)).status).toBe(200);
    expect((await get(`${trove.url}${path}`, { headers: header })).status).toBe(200);
    const viaPrefix = await get(`${trove.url}/go/cached-only${path}`);
    expect([viaPrefix.status, viaPrefix.headers['x-cache']]).toEqual([200, 'HIT']);
    expect(up.requests.length).toBe(1);
  });

  it('answers 404 for a miss while offline, so GOPROXY=trove,direct moves on', async () => {
    const up = await upstream(proxy);
    trove = await startTrove(goInstance({ upstreams: up.url, offline: true }));
    const r = await get(`${trove.url}/example.com/mod/@v/v1.0.0.zip`);
    expect(r.status).toBe(404);
    expect(up.requests.length).toBe(0);
  });
});

describe('checksum database proxy', () => {
  it('proxies supported, latest, lookups and tiles with the right lifetimes', async () => {
    const sum = await upstream((u) =>
      u
        .file('/latest', 'tree note')
        .file('/lookup/example.com/!my!mod@v1.0.0', 'record')
        .file('/tile/8/0/000', 'full tile')
        .file('/tile/8/0/001.p/5', 'partial tile')
        .file('/tile/8/data/000', 'data tile'),
    );
    // A proxy that does not proxy the database (404 on /sumdb/<name>/supported): direct it is.
    const proxyOnly = await upstream();
    trove = await startTrove(
      goInstance({
        upstreams: proxyOnly.url,
        sumdb: [{ name: 'sum.example.test', url: sum.url, key: SUMDB_KEY }],
        sumdb_fresh_for: '100ms',
      }),
    );
    const base = `${trove.url}/sumdb/sum.example.test`;
    expect((await get(`${base}/supported`)).status).toBe(200);
    expect((await get(`${trove.url}/sumdb/sum.other.test/supported`)).status).toBe(404);
    const paths = [
      '/latest',
      '/lookup/example.com/!my!mod@v1.0.0',
      '/tile/8/0/000',
      '/tile/8/0/001.p/5',
      '/tile/8/data/000',
    ];
    for (const p of paths) expect((await get(`${base}${p}`)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 150));
    for (const p of paths) expect((await get(`${base}${p}`)).status).toBe(200);
    expect(paths.map((p) => sum.count(p))).toEqual([2, 1, 1, 2, 1]);
    expect((await get(`${base}/tile/8/0/0001`)).status).toBe(404);
    expect((await get(`${base}/lookup/Bad@v1`)).status).toBe(400);
  });

  it('reaches the database through the first proxy that supports it, direct only after the chain', async () => {
    const sum = await upstream((u) => u.file('/lookup/example.com/mod@v1.0.0', 'direct record'));
    const plain = await upstream(proxy);
    const carrier = await upstream((u) =>
      proxy(u)
        .file('/sumdb/sum.example.test/supported', '')
        .file('/sumdb/sum.example.test/lookup/example.com/mod@v1.0.0', 'proxied record'),
    );
    trove = await startTrove(
      goInstance({
        upstreams: `${plain.url},${carrier.url},direct`,
        sumdb: [{ name: 'sum.example.test', url: sum.url, key: SUMDB_KEY }],
      }),
    );
    const r = await get(`${trove.url}/sumdb/sum.example.test/lookup/example.com/mod@v1.0.0`);
    expect(r.body.toString()).toBe('proxied record');
    expect(plain.count('/sumdb/sum.example.test/supported')).toBe(1);
    expect(sum.requests.length).toBe(0);
  });

  it('treats a proxy that fails the supported check as the database being unavailable', async () => {
    const sum = await upstream((u) => u.file('/latest', 'tree'));
    const failing = await upstream((u) =>
      u.route('/sumdb/sum.example.test/supported', (_q, res) => {
        res.writeHead(500).end();
      }),
    );
    trove = await startTrove(
      goInstance({
        upstreams: failing.url,
        sumdb: [{ name: 'sum.example.test', url: sum.url, key: SUMDB_KEY }],
      }),
    );
    const r = await get(`${trove.url}/sumdb/sum.example.test/latest`);
    expect(r.status).toBe(502);
    expect(r.body.toString()).toMatch(/supported answered 500/);
    expect(sum.requests.length).toBe(0);
  });
});
