// The cargo instance against a sparse registry on loopback: config.json rewritten with every
// field kept, index files byte-exact with ETags and 304s, downloads in every `dl` style
// verified against the index's cksum, and trouble that must never read as "no such crate".
import { beforeAll, describe, expect, it } from 'vitest';
import { get } from '../../helpers/client.js';
import { stopAfterEach } from '../../helpers/fake-upstream.js';
import {
  CargoRegistry,
  crate,
  indexLine,
  type Crate,
  type DlStyle,
} from '../../helpers/cargo-registry.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';
import { downloadUrl } from '../../../src/ecosystems/cargo/download-url.js';

let trove: TestTrove | undefined;
let reg: CargoRegistry | undefined;
stopAfterEach(() => [trove, reg]);

let crates: Crate[];
beforeAll(() => {
  crates = [
    crate('serde', '1.0.0'),
    crate('serde', '1.0.1'),
    crate('ab', '0.1.0'),
    crate('Xyz', '2.0.0-rc.1'),
  ];
});

async function setup(style: DlStyle = 'bare', over: Record<string, unknown> = {}) {
  reg = await CargoRegistry.start(crates, style);
  trove = await startTrove({
    instances: { cargo: { type: 'cargo', upstreams: [reg.url], fresh_for: '1h', ...over } },
  });
  return { base: `${trove.url}/cargo`, reg };
}

describe('cargo config.json', () => {
  it('keeps every field and points dl at Trove', async () => {
    const { base, reg: r } = await setup();
    r.extraConfig = { api: 'https://registry.example/', 'auth-required': true, custom: [1, 2] };
    const res = await get(`${base}/config.json`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({
      dl: `${base}/api/v1/crates`,
      api: 'https://registry.example/',
      'auth-required': true,
      custom: [1, 2],
    });
  });

  it('implements the dl markers and the append rule', () => {
    const ck = 'f'.repeat(64);
    expect(downloadUrl('https://x/c', 'Serde', '1.0.0', ck)).toBe(
      'https://x/c/Serde/1.0.0/download',
    );
    expect(downloadUrl('https://x/c/', 'a', '1', ck)).toBe('https://x/c/a/1/download');
    expect(downloadUrl('https://x/{crate}/{version}', 'ab', '1', ck)).toBe('https://x/ab/1');
    expect(downloadUrl('https://x/{prefix}/{crate}', 'Serde', '1', ck)).toBe(
      'https://x/Se/rd/Serde',
    );
    expect(downloadUrl('https://x/{lowerprefix}/{crate}', 'Serde', '1', ck)).toBe(
      'https://x/se/rd/Serde',
    );
    expect(downloadUrl('https://x/{prefix}', 'abc', '1', ck)).toBe('https://x/3/a');
    expect(downloadUrl('https://x/{prefix}', 'a', '1', ck)).toBe('https://x/1');
    expect(downloadUrl('https://x/h/{sha256-checksum}', 'a', '1', ck)).toBe(`https://x/h/${ck}`);
  });
});

describe('cargo index files', () => {
  it('serves them byte-exact with an ETag, answers 304, and asks upstream once', async () => {
    const { base, reg: r } = await setup();
    const url = `${base}/se/rd/serde`;
    const first = await get(url);
    expect(first.status).toBe(200);
    const want = `${crates
      .filter((c) => c.name === 'serde')
      .map(indexLine)
      .join('\n')}\n`;
    expect(first.body.toString()).toBe(want);
    const etag = first.headers['etag'] as string;
    expect(etag).toBeTruthy();
    const again = await get(url, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(r.index.count('/se/rd/serde')).toBe(1);
    expect((await get(`${base}/2/ab`)).status).toBe(200);
    expect((await get(`${base}/3/x/xyz`)).body.toString()).toContain('"2.0.0-rc.1"');
  });

  it('answers 404 for unknown crates and misplaced paths, 400 for bad names', async () => {
    const { base } = await setup();
    expect((await get(`${base}/no/pe/nope`)).status).toBe(404);
    expect((await get(`${base}/1/serde`)).status).toBe(404);
    expect((await get(`${base}/se/xx/serde`)).status).toBe(404);
    const bad = await get(`${base}/3/-/-ab`);
    expect(bad.status).toBe(400);
    expect(bad.headers['x-trove-error']).toBe('TROVE_ERR_NAME');
    expect((await get(`${base}/api/v1/crates/a%20b/1.0.0/download`)).status).toBe(400);
    expect((await get(`${base}/api/v1/crates`)).status).toBe(404);
  });

  it('refuses an index file that is not one, and says 503 when the registry is down', async () => {
    const { base, reg: r } = await setup();
    r.index.route('/ab/cd/abcd', (_q, res) => void res.writeHead(200).end('<html>oops</html>'));
    const html = await get(`${base}/ab/cd/abcd`);
    expect(html.status).toBe(502);
    expect(html.headers['x-trove-error']).toBe('TROVE_ERR_UPSTREAM_BODY');
    r.index.route(
      '/ot/he/other',
      (_q, res) => void res.writeHead(200).end(`${indexLine(crates[0] as Crate)}\n`),
    );
    expect((await get(`${base}/ot/he/other`)).status).toBe(502);
    await r.index.stop();
    const down = await get(`${base}/se/rd/serde-json`);
    expect(down.status).toBe(503);
  });
});

describe('cargo downloads', () => {
  for (const style of ['bare', 'path', 'prefix', 'hash'] as const) {
    it(`fetches and verifies crates with a ${style} dl`, async () => {
      const { base, reg: r } = await setup(style);
      for (const c of crates) {
        const res = await get(`${base}/api/v1/crates/${c.name}/${c.vers}/download`);
        expect(res.status, `${c.name} ${c.vers}`).toBe(200);
        expect(res.body.equals(c.data)).toBe(true);
      }
      const c0 = crates[0] as Crate;
      const path = new URL(r.crateUrl(c0)).pathname;
      const server = style === 'prefix' ? r.files : r.index;
      expect(server.count(path)).toBe(1);
      await get(`${base}/api/v1/crates/${c0.name}/${c0.vers}/download`);
      expect(server.count(path)).toBe(1);
    });
  }

  it('refuses a tampered crate with a 502 and keeps nothing', async () => {
    const { base, reg: r } = await setup();
    const c = crates[1] as Crate;
    const bad = Buffer.from(c.data);
    bad.writeUInt8(bad.readUInt8(20) ^ 1, 20);
    r.swapped.set(`${c.name}-${c.vers}`, bad);
    const url = `${base}/api/v1/crates/${c.name}/${c.vers}/download`;
    const res = await get(url);
    expect(res.status).toBe(502);
    expect(res.headers['x-trove-error']).toBe('TROVE_ERR_VERIFY');
    r.swapped.clear();
    const good = await get(url);
    expect(good.status).toBe(200);
    expect(good.body.equals(c.data)).toBe(true);
  });

  it('answers 404 for a version the index does not list', async () => {
    const { base } = await setup();
    expect((await get(`${base}/api/v1/crates/serde/9.9.9/download`)).status).toBe(404);
    expect((await get(`${base}/api/v1/crates/nope/1.0.0/download`)).status).toBe(404);
  });

  it('sends the registry token to its own host only', async () => {
    const r = await CargoRegistry.start(crates, 'prefix');
    reg = r;
    trove = await startTrove({
      instances: {
        cargo: {
          type: 'cargo',
          upstreams: [{ url: r.url, auth: { token: 'cio-token' } }],
        },
      },
    });
    const c = crates[0] as Crate;
    const res = await get(`${trove.url}/cargo/api/v1/crates/${c.name}/${c.vers}/download`);
    expect(res.status).toBe(200);
    expect(r.index.requests.length).toBeGreaterThan(0);
    expect(r.index.requests.every((q) => q.headers['authorization'] === 'cio-token')).toBe(true);
    expect(r.files.requests.length).toBe(1);
    expect(r.files.requests[0]?.headers['authorization']).toBeUndefined();
  });
});

describe('cargo passthrough', () => {
  it("sends each client's own token, and serves cached files only to clients the registry accepts", async () => {
    const r = await CargoRegistry.start(crates, 'prefix');
    reg = r;
    r.tokens = new Set(['good-a', 'good-b']);
    trove = await startTrove({
      instances: { cargo: { type: 'cargo', upstreams: [r.url], passthrough: true } },
    });
    const base = `${trove.url}/cargo`;
    const c = crates[0] as Crate;
    const as = (token: string | null) => ({ headers: token ? { authorization: token } : {} });
    const a = await get(`${base}/se/rd/serde`, as('good-a'));
    expect(a.status).toBe(200);
    const dl = await get(`${base}/api/v1/crates/${c.name}/${c.vers}/download`, as('good-a'));
    expect(dl.status).toBe(200);
    expect(dl.body.equals(c.data)).toBe(true);
    expect(r.files.requests.every((q) => q.headers['authorization'] === undefined)).toBe(true);
    const indexAsked = r.index.requests.filter((q) => q.url === '/se/rd/serde');
    expect(indexAsked.map((q) => q.headers['authorization'])).toEqual(['good-a']);
    // Cached now, but never for a client the registry refuses, or one with no token.
    const bad = await get(`${base}/se/rd/serde`, as('stolen'));
    expect(bad.status).toBe(401);
    const none = await get(`${base}/api/v1/crates/${c.name}/${c.vers}/download`, as(null));
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Cargo');
    const b = await get(`${base}/api/v1/crates/${c.name}/${c.vers}/download`, as('good-b'));
    expect(b.status).toBe(200);
  });

  it('refuses a configured token next to passthrough', async () => {
    await expect(
      startTrove({
        instances: {
          cargo: {
            type: 'cargo',
            passthrough: true,
            upstreams: [{ url: 'https://index.example/', auth: { token: 'x' } }],
          },
        },
      }),
    ).rejects.toThrow(/passthrough sends each client its own token/);
  });
});
