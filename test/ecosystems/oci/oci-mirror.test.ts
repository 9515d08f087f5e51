// The oci instance against fake registries (real node:http servers): the token dance, blob
// redirects, Link rewriting, referrers fallback, host routing and digest checks.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { get } from '../../helpers/client.js';
import { metric } from '../../helpers/metrics.js';
import {
  freePort,
  managedUpstreams,
  stopAfterEach,
  type FakeUpstream,
  until,
} from '../../helpers/fake-upstream.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

const sha = (b: string | Buffer): string =>
  `sha256:${createHash('sha256').update(b).digest('hex')}`;
const MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  layers: [],
});
const LAYER = 'layer bytes';

/** A registry that wants a Bearer token from its realm, which wants Basic credentials. */
async function tokenRegistry(
  cdn?: FakeUpstream,
): Promise<{ reg: FakeUpstream; auth: FakeUpstream; tokens: string[] }> {
  const tokens: string[] = [];
  const auth = await upstream((u) =>
    u.route('/token', (req, res) => {
      const url = new URL(req.url ?? '', 'http://x');
      tokens.push(
        `${req.headers['authorization'] ?? ''} ${url.searchParams.getAll('scope').join(' ')}`,
      );
      if (req.headers['authorization'] !== `Basic ${Buffer.from('me:pw').toString('base64')}`)
        return void res.writeHead(401).end();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ token: 'tok', expires_in: 300 }));
    }),
  );
  const reg = await upstream();
  const guard =
    (handler: (res: import('node:http').ServerResponse) => void) =>
    (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
      if (req.headers['authorization'] !== 'Bearer tok') {
        res.writeHead(401, {
          'www-authenticate': `Bearer realm="${auth.url}/token",service="fake",scope="repository:library/alpine:pull"`,
        });
        return void res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      }
      handler(res);
    };
  reg.route(
    '/v2/library/alpine/manifests/3',
    guard((res) =>
      res
        .writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': sha(MANIFEST),
        })
        .end(MANIFEST),
    ),
  );
  reg.route(
    `/v2/library/alpine/blobs/${sha(LAYER)}`,
    guard((res) =>
      cdn
        ? res.writeHead(307, { location: `${cdn.url}/blob?sig=x` }).end()
        : res.writeHead(200).end(LAYER),
    ),
  );
  return { reg, auth, tokens };
}

/**
 * A registry whose tag team/app:v1 points at `tag.current` (HEAD answers its digest), and that
 * serves `byDigest` under the digest of `v2`.
 */
async function movingTag(v2: string, byDigest: string) {
  const tag = { current: MANIFEST };
  const type = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' };
  const reg = await upstream((u) =>
    u
      .route('/v2/team/app/manifests/v1', (req, res) => {
        res.writeHead(200, {
          ...type,
          'docker-content-digest': sha(tag.current),
          'content-length': Buffer.byteLength(tag.current),
        });
        res.end(req.method === 'HEAD' ? undefined : tag.current);
      })
      .file(`/v2/team/app/manifests/${sha(v2)}`, byDigest, {
        ...type,
        'docker-content-digest': sha(v2),
      }),
  );
  return { reg, tag };
}

function oci(over: Record<string, unknown>): Record<string, unknown> {
  return { instances: { oci: { type: 'oci', ...over } } };
}

describe('upstream authentication', () => {
  it('does the token dance once per scope, with the configured credentials', async () => {
    const { reg, tokens } = await tokenRegistry();
    trove = await startTrove(
      oci({
        registries: { 'docker.io': { url: reg.url, auth: { username: 'me', password: 'pw' } } },
      }),
    );
    const m = await get(`${trove.url}/v2/alpine/manifests/3`);
    expect([m.status, m.body.toString(), m.headers['docker-content-digest']]).toEqual([
      200,
      MANIFEST,
      sha(MANIFEST),
    ]);
    expect((await get(`${trove.url}/v2/library/alpine/blobs/${sha(LAYER)}`)).body.toString()).toBe(
      LAYER,
    );
    expect(tokens).toEqual([
      `Basic ${Buffer.from('me:pw').toString('base64')} repository:library/alpine:pull`,
    ]);
  });

  it('answers a Basic challenge with the configured credentials, and only then', async () => {
    const want = `Basic ${Buffer.from('me:pw').toString('base64')}`;
    const reg = await upstream((u) =>
      u.route('/v2/team/app/manifests/v1', (req, res) => {
        if (req.headers['authorization'] !== want) {
          return void res
            .writeHead(401, { 'www-authenticate': 'Basic realm="Registry Realm"' })
            .end();
        }
        res
          .writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
          .end(MANIFEST);
      }),
    );
    trove = await startTrove(
      oci({
        registries: {
          'with.example.test': { url: reg.url, auth: { username: 'me', password: 'pw' } },
          'without.example.test': reg.url,
        },
      }),
    );
    expect((await get(`${trove.url}/v2/with.example.test/team/app/manifests/v1`)).status).toBe(200);
    const denied = await get(`${trove.url}/v2/without.example.test/team/app/manifests/v1`);
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.body.toString()).errors[0].code).toBe('UNAUTHORIZED');
  });

  it('follows blob redirects server-side without sending the token to the other host', async () => {
    const cdn = await upstream((u) => u.file('/blob', LAYER));
    const { reg } = await tokenRegistry(cdn);
    trove = await startTrove(
      oci({
        registries: { 'docker.io': { url: reg.url, auth: { username: 'me', password: 'pw' } } },
      }),
    );
    for (let i = 0; i < 2; i++) {
      const r = await get(`${trove.url}/v2/alpine/blobs/${sha(LAYER)}`);
      expect([r.status, r.body.toString(), r.headers['docker-content-digest']]).toEqual([
        200,
        LAYER,
        sha(LAYER),
      ]);
    }
    expect(cdn.count('/blob')).toBe(1);
    expect(cdn.requests[0]?.headers['authorization']).toBeUndefined();
  });
});

describe('caching', () => {
  it('serves a manifest by digest from the bytes cached under a tag, upstream unasked', async () => {
    const type = { 'content-type': 'application/vnd.oci.image.manifest.v1+json' };
    const reg = await upstream((u) =>
      u.file('/v2/team/app/manifests/v1', MANIFEST, {
        ...type,
        'docker-content-digest': sha(MANIFEST),
      }),
    );
    trove = await startTrove(oci({ registries: { 'reg.example.test': reg.url } }));
    const base = `${trove.url}/v2/reg.example.test/team`;
    expect((await get(`${base}/app/manifests/v1`)).status).toBe(200);
    await reg.stop();
    for (const method of ['GET', 'HEAD']) {
      const r = await get(`${base}/app/manifests/${sha(MANIFEST)}`, { method });
      expect([r.status, r.headers['content-type'], r.headers['docker-content-digest']]).toEqual([
        200,
        type['content-type'],
        sha(MANIFEST),
      ]);
      expect(Number(r.headers['content-length'])).toBe(MANIFEST.length);
      if (method === 'GET') expect(r.body.toString()).toBe(MANIFEST);
    }
    // Another repository's tag never answers for this one.
    expect((await get(`${base}/other/manifests/${sha(MANIFEST)}`)).status).not.toBe(200);
  });

  it('serves a stale tag while the registry answers 429, 500 or nothing', async () => {
    let status = 200;
    const reg = await upstream((u) =>
      u.route('/v2/team/app/manifests/v1', (req, res) => {
        if (status !== 200) return void res.writeHead(status).end();
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': sha(MANIFEST),
        });
        res.end(req.method === 'HEAD' ? undefined : MANIFEST);
      }),
    );
    trove = await startTrove(oci({ registries: { 'docker.io': reg.url }, tag_fresh_for: '50ms' }));
    const url = `${trove.url}/v2/team/app/manifests/v1`;
    expect((await get(url)).status).toBe(200);
    for (const s of [429, 500]) {
      status = s;
      await new Promise((r) => setTimeout(r, 80));
      const r = await get(url);
      expect([s, r.status, r.headers['x-cache'], r.body.toString()]).toEqual([
        s,
        200,
        'STALE',
        MANIFEST,
      ]);
      expect(r.headers['docker-content-digest']).toBe(sha(MANIFEST));
    }
    await reg.stop();
    await new Promise((r) => setTimeout(r, 80));
    expect((await get(url)).body.toString()).toBe(MANIFEST);
  });

  it('shares one cached tag among docker, podman, containerd and skopeo, and one HEAD', async () => {
    const accepts: string[] = [];
    const reg = await upstream((u) =>
      u.route('/v2/team/app/manifests/v1', (req, res) => {
        accepts.push(`${req.method} ${String(req.headers['accept'])}`);
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.index.v1+json',
          'docker-content-digest': sha(MANIFEST),
        });
        res.end(req.method === 'HEAD' ? undefined : MANIFEST);
      }),
    );
    trove = await startTrove(oci({ registries: { 'docker.io': reg.url }, tag_fresh_for: '200ms' }));
    const url = `${trove.url}/v2/team/app/manifests/v1`;
    // The Accept lists these clients send (dockerd 20.10, podman/skopeo, containerd, crane).
    const clients = [
      'application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v1+prettyjws, application/json',
      'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.v1+prettyjws, application/vnd.docker.distribution.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json',
      'application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, */*',
      'application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json',
    ];
    for (const accept of clients) {
      const r = await get(url, { headers: { accept } });
      expect([r.status, r.body.toString()]).toEqual([200, MANIFEST]);
    }
    expect(accepts).toHaveLength(1);
    // Revalidation: one HEAD for the tag, whichever client asks.
    await new Promise((r) => setTimeout(r, 250));
    for (const accept of clients) await get(url, { headers: { accept } });
    expect(accepts.filter((a) => a.startsWith('HEAD'))).toHaveLength(1);
    // With the registry gone, every client still gets the tag.
    await reg.stop();
    await new Promise((r) => setTimeout(r, 250));
    for (const accept of clients) {
      const r = await get(url, { headers: { accept } });
      expect([r.status, r.body.toString()]).toEqual([200, MANIFEST]);
    }
  });

  it('keeps a narrower client (one manifest type only) apart', async () => {
    const accepts: string[] = [];
    const reg = await upstream((u) =>
      u.route('/v2/team/app/manifests/v1', (req, res) => {
        accepts.push(String(req.headers['accept']));
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': sha(MANIFEST),
        });
        res.end(MANIFEST);
      }),
    );
    trove = await startTrove(oci({ registries: { 'docker.io': reg.url } }));
    const url = `${trove.url}/v2/team/app/manifests/v1`;
    await get(url);
    await get(url, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
    expect(accepts).toEqual([
      'application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json',
      'application/vnd.oci.image.manifest.v1+json',
    ]);
  });

  it('prefetches the config and layers of the platforms asked for, once a manifest is fetched', async () => {
    const blob = (arch: string, n: number) => `${arch} blob ${n}`;
    const image = (arch: string) =>
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { digest: sha(blob(arch, 0)), size: 1 },
        layers: [1, 2].map((n) => ({ digest: sha(blob(arch, n)), size: 1 })),
      });
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: ['amd64', 'arm64'].map((arch) => ({
        digest: sha(image(arch)),
        platform: { os: 'linux', architecture: arch },
      })),
    });
    const serve =
      (body: string, type: string) => (_q: unknown, res: import('node:http').ServerResponse) =>
        void res
          .writeHead(200, { 'content-type': type, 'docker-content-digest': sha(body) })
          .end(body);
    const regFor = () =>
      upstream((u) => {
        u.route(
          '/v2/team/app/manifests/v1',
          serve(index, 'application/vnd.oci.image.index.v1+json'),
        );
        for (const arch of ['amd64', 'arm64']) {
          const m = image(arch);
          u.route(
            `/v2/team/app/manifests/${sha(m)}`,
            serve(m, 'application/vnd.oci.image.manifest.v1+json'),
          );
          for (const n of [0, 1, 2]) {
            u.route(
              `/v2/team/app/blobs/${sha(blob(arch, n))}`,
              serve(blob(arch, n), 'application/octet-stream'),
            );
          }
        }
        return u;
      });
    const blobsAsked = (u: FakeUpstream, arch: string) =>
      [0, 1, 2].map((n) => u.count(`/v2/team/app/blobs/${sha(blob(arch, n))}`));
    // Off by default: only what clients ask for is fetched.
    const plain = await regFor();
    trove = await startTrove(oci({ registries: { 'docker.io': plain.url } }));
    await get(`${trove.url}/v2/team/app/manifests/v1`);
    await new Promise((r) => setTimeout(r, 200));
    expect(blobsAsked(plain, 'amd64')).toEqual([0, 0, 0]);
    await trove.stop();
    const reg = await regFor();
    trove = await startTrove(
      oci({
        registries: { 'docker.io': { url: reg.url, prefetch: { platforms: ['linux/amd64'] } } },
      }),
    );
    await get(`${trove.url}/v2/team/app/manifests/v1`);
    for (let i = 0; i < 50 && blobsAsked(reg, 'amd64').includes(0); i++) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(blobsAsked(reg, 'amd64')).toEqual([1, 1, 1]);
    expect(blobsAsked(reg, 'arm64')).toEqual([0, 0, 0]);
    // The prefetch may still be streaming: a request now joins it; once committed it is a hit.
    // Either way the upstream is asked once per blob.
    const layerUrl = `${trove.url}/v2/team/app/blobs/${sha(blob('amd64', 2))}`;
    await until(async () => (await get(layerUrl)).headers['x-cache'] === 'HIT');
    const layer = await get(layerUrl);
    expect([layer.headers['x-cache'], layer.body.toString()]).toEqual(['HIT', blob('amd64', 2)]);
    expect(blobsAsked(reg, 'amd64')).toEqual([1, 1, 1]);
  });

  it("keeps the registry's rate limits as gauges, and backs off after a 429 for Retry-After", async () => {
    let status = 200;
    const reg = await upstream((u) =>
      u.route('/v2/team/app/manifests/v1', (req, res) => {
        if (status === 429) return void res.writeHead(429, { 'retry-after': '2' }).end();
        res.writeHead(200, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': sha(MANIFEST),
          'ratelimit-limit': '100;w=21600',
          'ratelimit-remaining': '76;w=21600',
        });
        res.end(req.method === 'HEAD' ? undefined : MANIFEST);
      }),
    );
    trove = await startTrove(oci({ registries: { 'docker.io': reg.url }, tag_fresh_for: '50ms' }));
    const url = `${trove.url}/v2/team/app/manifests/v1`;
    expect((await get(url)).status).toBe(200);
    const gauge = async (kind: string): Promise<number> =>
      metric((await get(`${trove?.url}/metrics`)).body, 'trove_upstream_ratelimit', {
        instance: 'oci',
        upstream: 'docker.io',
        kind,
      });
    expect([
      await gauge('limit'),
      await gauge('remaining'),
      await gauge('backoff_seconds'),
    ]).toEqual([100, 76, 0]);
    status = 429;
    await new Promise((r) => setTimeout(r, 80));
    expect((await get(url)).headers['x-cache']).toBe('STALE');
    const asked = reg.count('/v2/team/app/manifests/v1');
    // Backing off: stale answers without asking the registry, and the back-off is visible.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 80));
      expect((await get(url)).headers['x-cache']).toBe('STALE');
    }
    expect(reg.count('/v2/team/app/manifests/v1')).toBe(asked);
    expect(await gauge('backoff_seconds')).toBeGreaterThan(0);
    const uncached = await get(`${trove.url}/v2/team/other/manifests/v1`);
    expect([429, 503]).toContain(uncached.status);
    // Once Retry-After has passed, the registry is asked again.
    status = 200;
    await new Promise((r) => setTimeout(r, 2_100));
    expect((await get(url)).status).toBe(200);
    expect(reg.count('/v2/team/app/manifests/v1')).toBeGreaterThan(asked);
  });

  it('revalidates a tag with HEAD, and fetches a moved tag by its new digest', async () => {
    const v1 = MANIFEST;
    const v2 = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      layers: [],
      annotations: { v: '2' },
    });
    const { reg, tag } = await movingTag(v2, v2);
    trove = await startTrove(
      oci({ registries: { 'reg.example.test': reg.url }, tag_fresh_for: '100ms' }),
    );
    const url = `${trove.url}/v2/reg.example.test/team/app/manifests/v1`;
    const methods = () => reg.requests.map((r) => `${r.method} ${r.url}`);
    expect((await get(url)).body.toString()).toBe(v1);
    await new Promise((r) => setTimeout(r, 150));
    const same = await get(url);
    expect([same.headers['x-cache'], same.body.toString()]).toEqual(['REVALIDATED', v1]);
    tag.current = v2;
    await new Promise((r) => setTimeout(r, 150));
    await get(url); // stale copy served while the refresh runs (busy policy: stale)
    const moved = await get(url);
    expect([moved.body.toString(), moved.headers['docker-content-digest']]).toEqual([v2, sha(v2)]);
    expect(methods()).toEqual([
      'GET /v2/team/app/manifests/v1',
      'HEAD /v2/team/app/manifests/v1',
      'HEAD /v2/team/app/manifests/v1',
      `GET /v2/team/app/manifests/${sha(v2)}`,
    ]);
  });

  it('fetches a cold blob once for 20 concurrent clients, all of whom get it whole', async () => {
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    const reg = await upstream((u) => u.file(`/v2/team/app/blobs/${sha(big)}`, big));
    trove = await startTrove(oci({ registries: { 'reg.example.test': reg.url } }));
    const all = await Promise.all(
      Array.from({ length: 20 }, () =>
        get(`${trove!.url}/v2/reg.example.test/team/app/blobs/${sha(big)}`),
      ),
    );
    expect(all.every((r) => r.status === 200 && r.complete && r.body.equals(big))).toBe(true);
    expect(reg.count(`/v2/team/app/blobs/${sha(big)}`)).toBe(1);
  });
});

describe('registry API answers', () => {
  it('rewrites the tags/list Link header onto Trove', async () => {
    const reg = await upstream((u) =>
      u.route('/v2/team/app/tags/list', (_q, s) => {
        s.writeHead(200, {
          'content-type': 'application/json',
          link: '</v2/team/app/tags/list?last=a&n=1>; rel="next"',
        }).end('{"name":"team/app","tags":["a"]}');
      }),
    );
    trove = await startTrove(oci({ registries: { 'reg.example.test': reg.url } }));
    const r = await get(`${trove.url}/v2/reg.example.test/team/app/tags/list?n=1`);
    expect(r.headers['link']).toBe(
      `<${trove.url}/v2/reg.example.test/team/app/tags/list?last=a&n=1>; rel="next"`,
    );
    expect(reg.requests[0]?.url).toBe('/v2/team/app/tags/list?n=1');
  });

  it('answers referrers from the fallback tag when the upstream has no referrers API', async () => {
    const subject = sha('subject');
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { artifactType: 'application/vnd.example.sbom', digest: sha('a') },
        { artifactType: 'application/vnd.example.sig', digest: sha('b') },
      ],
    });
    const reg = await upstream((u) =>
      u.file(`/v2/team/app/manifests/${subject.replace(':', '-')}`, index, {
        'content-type': 'application/vnd.oci.image.index.v1+json',
      }),
    );
    trove = await startTrove(oci({ registries: { 'reg.example.test': reg.url } }));
    const r = await get(
      `${trove.url}/v2/reg.example.test/team/app/referrers/${subject}?artifactType=application/vnd.example.sbom`,
    );
    expect(r.status).toBe(200);
    expect(r.headers['oci-filters-applied']).toBe('artifactType');
    expect(JSON.parse(r.body.toString()).manifests).toEqual([
      { artifactType: 'application/vnd.example.sbom', digest: sha('a') },
    ]);
    const none = await get(`${trove.url}/v2/reg.example.test/team/other/referrers/${subject}`);
    expect(JSON.parse(none.body.toString())).toEqual({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [],
    });
  });

  it('refuses a manifest whose bytes do not match the digest the registry states, caching nothing', async () => {
    const reg = await upstream((u) =>
      u
        .file('/v2/team/app/manifests/v1', MANIFEST, {
          'content-type': 'application/vnd.oci.image.manifest.v1+json',
          'docker-content-digest': sha('something else'),
        })
        .file(`/v2/team/app/blobs/${sha(LAYER)}`, 'tampered layer'),
    );
    trove = await startTrove(oci({ registries: { 'reg.example.test': reg.url } }));
    const m = await get(`${trove.url}/v2/reg.example.test/team/app/manifests/v1`);
    expect([m.status, JSON.parse(m.body.toString()).errors[0].code]).toEqual([
      502,
      'DIGEST_INVALID',
    ]);
    const b = await get(`${trove.url}/v2/reg.example.test/team/app/blobs/${sha(LAYER)}`);
    expect(b.complete).toBe(false);
    await get(`${trove.url}/v2/reg.example.test/team/app/manifests/v1`);
    expect(reg.count('/v2/team/app/manifests/v1')).toBe(2);
  });

  it('keeps the stale tag when the moved tag manifest, fetched by digest, does not match it', async () => {
    const v2 = JSON.stringify({ schemaVersion: 2, layers: [], annotations: { v: '2' } });
    // The registry names v2's digest but serves other bytes under it.
    const { reg, tag } = await movingTag(v2, 'tampered');
    trove = await startTrove(
      oci({ registries: { 'reg.example.test': reg.url }, tag_fresh_for: '50ms' }),
    );
    const url = `${trove.url}/v2/reg.example.test/team/app/manifests/v1`;
    expect((await get(url)).body.toString()).toBe(MANIFEST);
    tag.current = v2;
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 80));
      const r = await get(url);
      expect([r.status, r.body.toString(), r.headers['docker-content-digest']]).toEqual([
        200,
        MANIFEST,
        sha(MANIFEST),
      ]);
    }
    const byDigest = await get(`${trove.url}/v2/reg.example.test/team/app/manifests/${sha(v2)}`);
    expect([byDigest.status, JSON.parse(byDigest.body.toString()).errors[0].code]).toEqual([
      502,
      'DIGEST_INVALID',
    ]);
    expect(reg.count(`/v2/team/app/manifests/${sha(v2)}`)).toBeGreaterThanOrEqual(2);
  });

  it('routes by Host under custom_domain, and lists the routes for an unknown host', async () => {
    const reg = await upstream((u) =>
      u.file('/v2/owner/img/manifests/v1', MANIFEST, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      }),
    );
    trove = await startTrove(
      oci({
        custom_domain: 'mirror.test',
        registries: { 'ghcr.io': reg.url, 'docker.io': reg.url },
      }),
    );
    const viaHost = await get(`${trove.url}/v2/owner/img/manifests/v1`, {
      headers: { host: 'ghcr.mirror.test' },
    });
    expect(viaHost.status).toBe(200);
    const goStyle = await get(`${trove.url}/v2/owner/img/manifests/v1`, {
      headers: { host: 'registry.docker.mirror.test' },
    });
    expect(goStyle.status).toBe(200);
    const unknown = await get(`${trove.url}/v2/owner/img/manifests/v1`, {
      headers: { host: 'nope.mirror.test' },
    });
    expect(unknown.status).toBe(404);
    const err = JSON.parse(unknown.body.toString()).errors[0];
    expect(err.code).toBe('NAME_UNKNOWN');
    expect(err.detail.registries).toContain('ghcr.io');
  });

  it('echoes ?ns= in OCI-Namespace, and serves the API on a dedicated listener', async () => {
    const reg = await upstream((u) =>
      u.file('/v2/team/app/manifests/v1', MANIFEST, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
      }),
    );
    const port = await freePort();
    trove = await startTrove(
      oci({ registries: { 'reg.example.test': reg.url }, bind: `127.0.0.1:${port}` }),
    );
    const ns = await get(`${trove.url}/v2/team/app/manifests/v1?ns=reg.example.test`);
    expect([ns.status, ns.headers['oci-namespace']]).toEqual([200, 'reg.example.test']);
    const own = `http://127.0.0.1:${port}`;
    expect((await get(`${own}/v2/`)).status).toBe(200);
    const viaOwn = await get(`${own}/v2/reg.example.test/team/app/manifests/v1`);
    expect([viaOwn.status, viaOwn.headers['x-cache']]).toEqual([200, 'HIT']);
    expect((await get(`${own}/team/app/manifests/v1`)).status).toBe(404);
  });

  it('checks names, tags and digests, and answers /v2/', async () => {
    trove = await startTrove(oci({}));
    const base = await get(`${trove.url}/v2/`);
    expect([base.status, base.headers['docker-distribution-api-version']]).toEqual([
      200,
      'registry/2.0',
    ]);
    const cases: Array<[string, number, string]> = [
      ['/v2/Bad/Name/manifests/v1', 404, 'NAME_INVALID'],
      ['/v2/team/app/manifests/-bad', 404, 'MANIFEST_UNKNOWN'],
      ['/v2/team/app/manifests/sha256:zz', 404, 'MANIFEST_UNKNOWN'],
      ['/v2/team/app/blobs/sha256:zz', 400, 'DIGEST_INVALID'],
      ['/v2/team/app/whatever/x', 404, 'NOT_FOUND'],
    ];
    for (const [path, status, code] of cases) {
      const r = await get(`${trove.url}${path}`);
      expect([path, r.status, JSON.parse(r.body.toString()).errors[0].code]).toEqual([
        path,
        status,
        code,
      ]);
    }
    const del = await get(`${trove.url}/v2/team/app/manifests/v1`, { method: 'DELETE' });
    expect(del.status).toBe(405);
  });

  it('names what is missing: BLOB_UNKNOWN, MANIFEST_UNKNOWN; a 401 carries a challenge', async () => {
    const reg = await upstream((u) =>
      u.route('/v2/team/locked/manifests/v1', (_req, res) => void res.writeHead(401).end()),
    );
    trove = await startTrove(oci({ registries: { 'docker.io': reg.url } }));
    const blob = await get(`${trove.url}/v2/team/app/blobs/${sha('nothing')}`);
    expect([blob.status, JSON.parse(blob.body.toString()).errors[0].code]).toEqual([
      404,
      'BLOB_UNKNOWN',
    ]);
    const manifest = await get(`${trove.url}/v2/team/app/manifests/v9`);
    expect([manifest.status, JSON.parse(manifest.body.toString()).errors[0].code]).toEqual([
      404,
      'MANIFEST_UNKNOWN',
    ]);
    const locked = await get(`${trove.url}/v2/team/locked/manifests/v1`);
    expect(locked.status).toBe(401);
    expect(locked.headers['www-authenticate']).toBe(
      `Bearer realm="${trove.url}/v2/auth",service="trove",scope="repository:team/locked:pull"`,
    );
  });
});
