// The npm instance against fake registries (real node:http servers): representations by
// Accept, scoped-name spellings, exact rewriting, verification, failures that must never read
// as "not found", bad names, writes, side endpoints and tarballs on another host.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { get } from '../../helpers/client.js';
import { managedUpstreams, stopAfterEach, type FakeUpstream } from '../../helpers/fake-upstream.js';
import { packument, type Published } from '../../helpers/npm-packuments.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();
const CORGI = 'application/vnd.npm.install-v1+json';

function serve(u: FakeUpstream, path: string, p: Published): void {
  u.file(path, JSON.stringify(p.doc, null, 2), { 'content-type': 'application/json' });
  const name = p.doc['name'] as string;
  const bare = name.split('/').pop() as string;
  for (const [v, data] of p.tarballs) u.file(`/${name}/-/${bare}-${v}.tgz`, data);
}

/** A registry whose packument puts alpha's tarball on another host (`cdn`). */
async function offHost(): Promise<{ cdn: FakeUpstream; u: FakeUpstream; p: Published }> {
  const cdn = await upstream();
  const u = await upstream();
  const p = packument('alpha', ['1.0.0'], `${cdn.url}/files`);
  serve(u, '/alpha', p);
  cdn.file('/files/alpha/-/alpha-1.0.0.tgz', p.tarballs.get('1.0.0') as Buffer);
  return { cdn, u, p };
}

/** A registry serving alpha at these versions, and Trove in front of it. */
async function alphaTrove(versions: string[]) {
  const u = await upstream();
  const p = packument('alpha', versions, u.url);
  serve(u, '/alpha', p);
  return { u, p, base: await npmTrove(u.url) };
}

async function npmTrove(up: string | string[], over: Record<string, unknown> = {}) {
  trove = await startTrove({
    instances: {
      npm: { type: 'npm', upstreams: Array.isArray(up) ? up : [up], fresh_for: '1h', ...over },
    },
  });
  return `${trove.url}/npm`;
}

describe('npm packuments', () => {
  it('serves full and abbreviated documents from one upstream fetch, chosen by q-values', async () => {
    const { u, p, base } = await alphaTrove(['1.0.0', '1.1.0']);
    const full = await get(`${base}/alpha`);
    expect(full.status).toBe(200);
    expect(full.headers['vary']).toBe('Accept, Accept-Encoding');
    expect(full.headers['content-type']).toBe('application/json');
    const want = JSON.stringify(p.doc, null, 2).replaceAll(`${u.url}/alpha/-/`, `${base}/alpha/-/`);
    // Byte-exact but for the tarball URLs: time, readme, whitespace and key order are kept.
    expect(full.body.toString()).toBe(want);

    const corgi = await get(`${base}/alpha`, {
      headers: { accept: `${CORGI}; q=1.0, application/json; q=0.8, */*` },
    });
    expect(corgi.headers['content-type']).toBe(CORGI);
    expect(corgi.headers['vary']).toBe('Accept, Accept-Encoding');
    const c = JSON.parse(corgi.body.toString()) as Record<string, unknown>;
    expect(Object.keys(c).sort()).toEqual(['dist-tags', 'modified', 'name', 'versions']);
    expect(c['modified']).toBe('2024-05-06T07:08:09.123Z');
    const v0 = (c['versions'] as Record<string, Record<string, unknown>>)['1.0.0'] as Record<
      string,
      unknown
    >;
    expect(Object.keys(v0).sort()).toEqual([
      'dependencies',
      'dist',
      'hasInstallScript',
      'name',
      'version',
    ]);
    expect((v0['dist'] as { tarball: string }).tarball).toBe(`${base}/alpha/-/alpha-1.0.0.tgz`);
    expect((v0['dist'] as { integrity: string }).integrity).toBe(
      (
        (p.doc['versions'] as Record<string, { dist: { integrity: string } }>)['1.0.0'] as {
          dist: { integrity: string };
        }
      ).dist.integrity,
    );
    // Preference by q: the full document wins when it has the higher q.
    const fullByQ = await get(`${base}/alpha`, {
      headers: { accept: `${CORGI};q=0.5, application/json` },
    });
    expect(fullByQ.body.toString()).toBe(want);
    expect(u.count('/alpha')).toBe(1);
    const again = await get(`${base}/alpha`, { headers: { accept: CORGI } });
    expect(again.headers['x-cache']).toBe('HIT');
  });

  it('gzips packuments for clients that accept it, and never tarballs', async () => {
    const { u, p, base } = await alphaTrove(['1.0.0']);
    const plain = await get(`${base}/alpha`);
    for (const repr of ['application/json', CORGI]) {
      const ids = await get(`${base}/alpha`, { headers: { accept: repr } });
      const gz = await get(`${base}/alpha`, {
        headers: { accept: repr, 'accept-encoding': 'gzip, deflate, br' },
      });
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(gz.headers['vary']).toBe('Accept, Accept-Encoding');
      expect(gz.headers['etag']).not.toBe(ids.headers['etag']);
      expect(gunzipSync(gz.body).equals(ids.body)).toBe(true);
      expect(gz.body.length).toBeLessThan(ids.body.length);
    }
    const refused = await get(`${base}/alpha`, { headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(refused.body.equals(plain.body)).toBe(true);
    const tgz = await get(`${base}/alpha/-/alpha-1.0.0.tgz`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(tgz.headers['content-encoding']).toBeUndefined();
    expect(tgz.body.equals(p.tarballs.get('1.0.0') as Buffer)).toBe(true);
    expect(u.count('/alpha')).toBe(1);
  });

  it('accepts %2f, %2F and a raw slash in scoped names, as one cache entry', async () => {
    const u = await upstream();
    const p = packument('@scope/pkg', ['2.0.0'], u.url);
    serve(u, '/@scope%2fpkg', p);
    const base = await npmTrove(u.url);
    const results = [];
    for (const spelling of ['@scope%2fpkg', '@scope%2Fpkg', '@scope/pkg']) {
      const r = await get(`${base}/${spelling}`);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body.toString()).name).toBe('@scope/pkg');
      results.push(r.headers['x-cache']);
    }
    expect(results).toEqual(['MISS', 'HIT', 'HIT']);
    const tgz = await get(`${base}/@scope/pkg/-/pkg-2.0.0.tgz`);
    expect(tgz.status).toBe(200);
    expect(tgz.body.equals(p.tarballs.get('2.0.0') as Buffer)).toBe(true);
    expect(tgz.headers['content-encoding']).toBeUndefined();
  });

  it('builds tarball URLs from the public base (X-Forwarded-* from a trusted proxy)', async () => {
    const u = await upstream();
    serve(u, '/alpha', packument('alpha', ['1.0.0'], u.url));
    trove = await startTrove({
      server: { trusted_proxies: ['127.0.0.1/32'] },
      instances: { npm: { type: 'npm', upstreams: [u.url] } },
    });
    const r = await get(`${trove.url}/npm/alpha`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'npm.example.test' },
    });
    const doc = JSON.parse(r.body.toString());
    expect(doc.versions['1.0.0'].dist.tarball).toBe(
      'https://npm.example.test/npm/alpha/-/alpha-1.0.0.tgz',
    );
    const direct = JSON.parse((await get(`${trove.url}/npm/alpha`)).body.toString());
    expect(direct.versions['1.0.0'].dist.tarball).toBe(`${trove.url}/npm/alpha/-/alpha-1.0.0.tgz`);
  });

  it('refuses a malformed packument or one for another package, and caches neither', async () => {
    const u = await upstream();
    u.file('/broken', '{"name":"broken","versions":{', { 'content-type': 'application/json' });
    u.file('/other', JSON.stringify({ name: 'not-other', versions: {} }));
    u.file('/html', '<html>maintenance</html>', { 'content-type': 'text/html' });
    const base = await npmTrove(u.url);
    for (const name of ['broken', 'other', 'html']) {
      for (let i = 0; i < 2; i++) {
        const r = await get(`${base}/${name}`);
        expect(r.status).toBe(502);
        expect(r.headers['content-type']).toBe('application/json');
        expect(JSON.parse(r.body.toString()).error).toMatch(/packument refused/);
      }
      expect(u.count(`/${name}`)).toBe(2);
    }
  });

  it('answers upstream failures with 503/504 (never 404), and a real 404 with 404', async () => {
    const u = await upstream((x) =>
      x
        .route('/down', (_q, res) => void res.writeHead(500).end())
        .route('/limited', (_q, res) => void res.writeHead(429).end())
        .route('/reset', (req) => void req.socket.destroy()),
    );
    const base = await npmTrove(u.url, { negative_ttl: '1h' });
    // A registry that fails or cannot be reached is a 503, which every npm client retries.
    expect((await get(`${base}/down`)).status).toBe(503);
    expect((await get(`${base}/limited`)).status).toBe(503);
    expect((await get(`${base}/reset`)).status).toBe(503);
    const missing = await get(`${base}/missing`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body.toString()).error).toMatch(/not found/);
    await get(`${base}/missing`);
    expect(u.count('/missing')).toBe(1);
    // A tarball of a package that is not there is a 404 too, from the cached answer.
    expect((await get(`${base}/missing/-/missing-1.0.0.tgz`)).status).toBe(404);
  });

  it('answers 503 when no registry can be reached, for packuments and tarballs', async () => {
    const u = await upstream();
    const closed = u.url;
    await u.stop();
    const base = await npmTrove(closed);
    for (const path of ['alpha', 'alpha/-/alpha-1.0.0.tgz', '@s/p']) {
      const r = await get(`${base}/${path}`);
      expect(r.status, path).toBe(503);
      expect(r.headers['x-trove-error']).toBe('TROVE_ERR_UPSTREAM_CONNECT');
    }
  });

  it('fails over to the next registry when one is down or answers 5xx', async () => {
    const dead = await upstream();
    const closed = dead.url;
    await dead.stop();
    const broken = await upstream((x) =>
      x.route('/alpha', (_q, res) => void res.writeHead(502).end()),
    );
    const good = await upstream();
    const p = packument('alpha', ['1.0.0'], good.url);
    serve(good, '/alpha', p);
    const base = await npmTrove([closed, broken.url, good.url]);
    const r = await get(`${base}/alpha`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body.toString()).versions['1.0.0'].dist.tarball).toBe(
      `${base}/alpha/-/alpha-1.0.0.tgz`,
    );
    const tgz = await get(`${base}/alpha/-/alpha-1.0.0.tgz`);
    expect(tgz.body.equals(p.tarballs.get('1.0.0') as Buffer)).toBe(true);
    expect(broken.count('/alpha')).toBe(1);
  });

  it('serves the stale packument when the upstream fails, and 504 on a timeout with none', async () => {
    const u = await upstream();
    serve(u, '/alpha', packument('alpha', ['1.0.0'], u.url));
    u.route('/slow', () => new Promise(() => undefined));
    trove = await startTrove({
      upstream: { header_timeout: '300ms' },
      instances: { npm: { type: 'npm', upstreams: [u.url], fresh_for: '0s' } },
    });
    const base = `${trove.url}/npm`;
    const first = await get(`${base}/alpha`);
    u.route('/alpha', (_q, res) => void res.writeHead(503).end());
    const stale = await get(`${base}/alpha`);
    expect(stale.status).toBe(200);
    expect(stale.body.equals(first.body)).toBe(true);
    expect((await get(`${base}/slow`)).status).toBe(504);
  });

  it('refuses bad names and traversal with 400 before the upstream hears of them', async () => {
    const u = await upstream();
    const base = await npmTrove(u.url);
    const paths = ['.bin', '_x', '%2e%2e%2fetc', '@s%2f..', '@s%252fp', 'a%20b', 'x'.repeat(215)];
    for (const path of paths) {
      const r = await get(`${base}/${path}`);
      expect(r.status, path).toBe(400);
      expect(JSON.parse(r.body.toString()).error, path).toMatch(/invalid package name|bad request/);
    }
    expect(u.requests).toHaveLength(0);
  });

  it('answers writes with 405 and relays the side endpoints uncached', async () => {
    const u = await upstream((x) =>
      x
        .route('/-/v1/search', (req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ objects: [], q: req.url }));
        })
        .route('/-/package/@s%2fp/dist-tags', (_q, res) => {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"latest":"1.0.0"}');
        })
        .route('/-/whoami', (_q, res) => void res.writeHead(401).end('{"error":"no"}')),
    );
    const base = await npmTrove(u.url);
    for (const method of ['PUT', 'DELETE']) {
      const r = await get(`${base}/alpha`, { method });
      expect(r.status).toBe(405);
      expect(JSON.parse(r.body.toString()).error).toMatch(/read-only/);
    }
    for (let i = 0; i < 2; i++) {
      const s = await get(`${base}/-/v1/search?text=abc&size=2`);
      expect(s.status).toBe(200);
      expect(s.headers['x-cache']).toBe('BYPASS');
      expect(JSON.parse(s.body.toString()).q).toBe('/-/v1/search?text=abc&size=2');
    }
    expect(u.count('/-/v1/search')).toBe(2);
    const tags = await get(`${base}/-/package/@s%2fp/dist-tags`);
    expect(JSON.parse(tags.body.toString())).toEqual({ latest: '1.0.0' });
    expect((await get(`${base}/-/whoami`)).status).toBe(401);
    expect((await get(`${base}/-/all`)).status).toBe(404);
  });
});

describe('npm tarballs', () => {
  it('verifies against the packument, refreshing it once for a version it does not list', async () => {
    const u = await upstream();
    const old = packument('alpha', ['1.0.0'], u.url);
    serve(u, '/alpha', old);
    const base = await npmTrove(u.url);
    expect((await get(`${base}/alpha`)).status).toBe(200);
    const newer = packument('alpha', ['1.0.0', '1.1.0'], u.url);
    serve(u, '/alpha', newer);
    const tgz = await get(`${base}/alpha/-/alpha-1.1.0.tgz`);
    expect(tgz.status).toBe(200);
    expect(tgz.body.equals(newer.tarballs.get('1.1.0') as Buffer)).toBe(true);
    expect((await get(`${base}/alpha/-/alpha-9.9.9.tgz`)).status).toBe(404);
  });

  it('answers a tarball that fails its checksum with 502 and keeps nothing', async () => {
    const u = await upstream();
    const p = packument('alpha', ['1.0.0'], u.url);
    serve(u, '/alpha', p);
    u.file('/alpha/-/alpha-1.0.0.tgz', Buffer.from('not the tarball'));
    const base = await npmTrove(u.url);
    for (let i = 0; i < 2; i++) {
      const r = await get(`${base}/alpha/-/alpha-1.0.0.tgz`);
      expect(r.status).toBe(502);
      expect(r.headers['x-trove-error']).toBe('TROVE_ERR_VERIFY');
      expect(JSON.parse(r.body.toString()).error).toMatch(/sha512 mismatch/);
    }
    expect(u.count('/alpha/-/alpha-1.0.0.tgz')).toBe(2);
  });

  it('fetches tarballs kept on another host from there, without the registry credentials', async () => {
    const { cdn, u, p } = await offHost();
    const base = await npmTrove([], {
      upstreams: [{ url: u.url, auth: { bearer: 'registry-secret' } }],
      tarball_hosts: [cdn.url],
    });
    const doc = JSON.parse((await get(`${base}/alpha`)).body.toString());
    // The canonical layout on Trove, whatever host the registry keeps the file on.
    expect(doc.versions['1.0.0'].dist.tarball).toBe(`${base}/alpha/-/alpha-1.0.0.tgz`);
    const tgz = await get(`${base}/alpha/-/alpha-1.0.0.tgz`);
    expect(tgz.status).toBe(200);
    expect(tgz.body.equals(p.tarballs.get('1.0.0') as Buffer)).toBe(true);
    expect(u.requests[0]?.headers['authorization']).toBe('Bearer registry-secret');
    expect(cdn.requests.map((r) => r.headers['authorization'])).toEqual([undefined]);
  });

  it('fetches nothing from a host outside tarball_hosts, and says which key to set', async () => {
    const { cdn, u } = await offHost();
    const base = await npmTrove(u.url);
    const r = await get(`${base}/alpha/-/alpha-1.0.0.tgz`);
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body.toString()).error).toMatch(/not one of its registries.*tarball_hosts/);
    expect(cdn.requests).toHaveLength(0);
  });

  it('never follows a tarball URL to another scheme, with credentials, or down to http', async () => {
    const u = await upstream();
    const p = packument('alpha', ['1.0.0', '1.1.0', '1.2.0'], u.url);
    const versions = p.doc['versions'] as Record<string, { dist: { tarball: string } }>;
    (versions['1.0.0'] as { dist: { tarball: string } }).dist.tarball =
      'file:///etc/passwd/alpha-1.0.0.tgz';
    (versions['1.1.0'] as { dist: { tarball: string } }).dist.tarball =
      'http://user:pw@127.0.0.1:9/alpha-1.1.0.tgz';
    serve(u, '/alpha', p);
    const base = await npmTrove(u.url);
    for (const v of ['1.0.0', '1.1.0']) {
      const r = await get(`${base}/alpha/-/alpha-${v}.tgz`);
      expect(r.status, v).toBe(502);
      expect(JSON.parse(r.body.toString()).error).toMatch(/tarball URL refused/);
    }
    expect((await get(`${base}/alpha/-/alpha-1.2.0.tgz`)).status).toBe(200);
  });

  it('routes a scope to its own registry with its own token, and no other', async () => {
    const pub = await upstream();
    const corp = await upstream();
    const p = packument('@corp/lib', ['1.0.0'], corp.url);
    serve(corp, '/@corp%2flib', p);
    serve(pub, '/alpha', packument('alpha', ['1.0.0'], pub.url));
    const base = await npmTrove(pub.url, {
      scopes: { '@corp': { upstreams: [{ url: corp.url, auth: { bearer: 'corp-token' } }] } },
    });
    expect((await get(`${base}/@corp/lib/-/lib-1.0.0.tgz`)).status).toBe(200);
    expect((await get(`${base}/alpha/-/alpha-1.0.0.tgz`)).status).toBe(200);
    expect(corp.requests.every((r) => r.headers['authorization'] === 'Bearer corp-token')).toBe(
      true,
    );
    expect(pub.requests.some((r) => r.headers['authorization'] !== undefined)).toBe(false);
    expect(pub.count('/@corp%2flib')).toBe(0);
  });
});

describe('npm offline', () => {
  it('serves what is cached, and derives a representation never asked for online', async () => {
    const u = await upstream();
    const p = packument('alpha', ['1.0.0'], u.url);
    serve(u, '/alpha', p);
    const online = await startTrove(
      { instances: { npm: { type: 'npm', upstreams: [u.url] } } },
      { keepDir: true },
    );
    const base = `${online.url}/npm`;
    expect((await get(`${base}/alpha`)).status).toBe(200);
    expect((await get(`${base}/alpha/-/alpha-1.0.0.tgz`)).status).toBe(200);
    await online.stop();
    await u.stop();
    trove = await startTrove(
      { offline: true, instances: { npm: { type: 'npm', upstreams: [u.url] } } },
      { dir: online.dir },
    );
    const off = `${trove.url}/npm`;
    const corgi = await get(`${off}/alpha`, { headers: { accept: CORGI } });
    expect(corgi.status).toBe(200);
    const doc = JSON.parse(corgi.body.toString());
    expect(doc.versions['1.0.0'].dist.tarball).toBe(`${off}/alpha/-/alpha-1.0.0.tgz`);
    const tgz = await get(`${off}/alpha/-/alpha-1.0.0.tgz`);
    expect(tgz.body.equals(p.tarballs.get('1.0.0') as Buffer)).toBe(true);
    const missing = await get(`${off}/beta`);
    expect(missing.status).toBe(504);
    expect(missing.headers['x-trove-error']).toBe('TROVE_ERR_OFFLINE_MISS');
    await trove.stop();
    trove = undefined;
    rmSync(online.dir, { recursive: true, force: true });
  });
});

describe('npm hits', () => {
  it('fills once for 30 concurrent cold requests across representations and encodings', async () => {
    const u = await upstream();
    const p = packument('alpha', ['1.0.0', '1.1.0'], u.url);
    const body = JSON.stringify(p.doc);
    u.route('/alpha', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 100));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      res.end(body);
    });
    const base = await npmTrove(u.url);
    const kinds: Array<Record<string, string>> = [
      {},
      { accept: CORGI },
      { 'accept-encoding': 'gzip' },
      { accept: CORGI, 'accept-encoding': 'gzip' },
    ];
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        get(`${base}/alpha`, { headers: kinds[i % 4] as Record<string, string> }),
      ),
    );
    expect(answers.every((a) => a.status === 200 && a.complete)).toBe(true);
    expect(u.count('/alpha')).toBe(1);
  });

  it('answers If-None-Match with 304, and HEAD and Range on tarballs with their length', async () => {
    const { p, base } = await alphaTrove(['1.0.0']);
    const first = await get(`${base}/alpha`, { headers: { accept: CORGI } });
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^"/);
    const again = await get(`${base}/alpha`, {
      headers: { accept: CORGI, 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(again.headers['vary']).toBe('Accept, Accept-Encoding');
    const data = p.tarballs.get('1.0.0') as Buffer;
    const url = `${base}/alpha/-/alpha-1.0.0.tgz`;
    expect((await get(url)).status).toBe(200);
    const head = await get(url, { method: 'HEAD' });
    expect(head.headers['content-length']).toBe(String(data.length));
    const range = await get(url, { headers: { range: 'bytes=10-19' } });
    expect(range.status).toBe(206);
    expect(range.body.equals(data.subarray(10, 20))).toBe(true);
  });
});

describe('npm damaged cache', () => {
  it('drops a damaged cached packument when deriving from it, and fetches it again', async () => {
    const { u, p, base } = await alphaTrove(['1.0.0']);
    expect((await get(`${base}/alpha`)).status).toBe(200);
    // The raw packument is the upstream's bytes: flip one in its blob.
    const raw = Buffer.from(JSON.stringify(p.doc, null, 2));
    const hex = createHash('sha256').update(raw).digest('hex');
    const blob = join(
      trove?.dir as string,
      'blobs',
      'sha256',
      hex.slice(0, 2),
      hex.slice(2, 4),
      hex,
    );
    const bytes = readFileSync(blob);
    bytes[10] = (bytes[10] as number) ^ 1;
    writeFileSync(blob, bytes);
    const cut = await get(`${base}/alpha`, { headers: { accept: CORGI } });
    expect(cut.status !== 200 || !cut.complete).toBe(true);
    const again = await get(`${base}/alpha`, { headers: { accept: CORGI } });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body.toString()).name).toBe('alpha');
    expect(u.count('/alpha')).toBe(2);
  });
});
