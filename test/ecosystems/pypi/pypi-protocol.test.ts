// The pypi instance against a PyPI-like index on loopback: both page forms from either upstream
// form, everything a page says kept, file links pip can parse, files and core metadata verified
// on ingest, the JSON API, and upstream trouble that must never read as "no such project".
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../../helpers/client.js';
import { stopAfterEach } from '../../helpers/fake-upstream.js';
import { sdist, wheel, type Dist } from '../../helpers/pypi-dists.js';
import { PypiIndex, type Forms } from '../../helpers/pypi-index.js';
import { startTrove, type TestTrove } from '../../helpers/trove.js';

const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
const PIP_ACCEPT =
  'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
const UV_ACCEPT = 'application/vnd.pypi.simple.v1+json;q=1, text/html;q=0.01';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

let trove: TestTrove | undefined;
let index: PypiIndex | undefined;
stopAfterEach(() => [trove, index]);

let dists: Dist[];
beforeAll(async () => {
  dists = [
    await wheel('Foo_Bar', '1.0', { requiresPython: '>=3.7, <4' }),
    await wheel('Foo_Bar', '1.1', { requiresPython: '>=3.8', yanked: 'broken <build>' }),
    sdist('Foo_Bar', '1.1'),
  ];
});

async function setup(forms: Forms = 'both', over: Record<string, unknown> = {}) {
  index = await PypiIndex.start(dists, forms);
  trove = await startTrove({
    instances: {
      pypi: {
        type: 'pypi',
        upstreams: [index.url],
        file_hosts: [index.files.url],
        fresh_for: '1h',
        ...over,
      },
    },
  });
  return { base: `${trove.url}/pypi`, index };
}

interface JsonFile {
  filename: string;
  url: string;
  hashes: Record<string, string>;
  [k: string]: unknown;
}

function jsonPage(body: Buffer): { files: JsonFile[]; [k: string]: unknown } {
  return JSON.parse(body.toString()) as { files: JsonFile[] };
}

describe('pypi simple pages', () => {
  it('answers HTML or JSON by Accept q-values (q=0.01 included) and ?format=, with Vary', async () => {
    const { base } = await setup();
    const page = `${base}/simple/foo-bar/`;
    const pip = await get(page, { headers: { accept: PIP_ACCEPT } });
    expect(pip.status).toBe(200);
    expect(pip.headers['content-type']).toBe(JSON_TYPE);
    expect(pip.headers['vary']).toBe('Accept, Accept-Encoding');
    const uv = await get(page, { headers: { accept: UV_ACCEPT } });
    expect(uv.headers['content-type']).toBe(JSON_TYPE);
    // text/html at q=0.01 loses to JSON; JSON at q=0.01 loses to HTML.
    const htmlFirst = await get(page, {
      headers: { accept: 'text/html, application/vnd.pypi.simple.v1+json;q=0.01' },
    });
    expect(htmlFirst.headers['content-type']).toBe('text/html; charset=utf-8');
    const v1html = await get(page, { headers: { accept: 'application/vnd.pypi.simple.v1+html' } });
    expect(v1html.headers['content-type']).toBe('application/vnd.pypi.simple.v1+html');
    const none = await get(page);
    expect(none.headers['content-type']).toBe('text/html; charset=utf-8');
    const latest = await get(page, {
      headers: { accept: 'application/vnd.pypi.simple.latest+json' },
    });
    expect(latest.headers['content-type']).toBe(JSON_TYPE);
    const byQuery = await get(`${page}?format=${encodeURIComponent(JSON_TYPE)}`, {
      headers: { accept: 'text/html' },
    });
    expect(byQuery.headers['content-type']).toBe(JSON_TYPE);
    const bad = await get(`${page}?format=text/plain`);
    expect(bad.status).toBe(406);
    const refused = await get(page, { headers: { accept: 'image/png' } });
    expect(refused.status).toBe(406);
    // One upstream fetch made every representation.
    expect(index?.requestsFor('/simple/foo-bar/').length).toBe(1);
  });

  it('normalizes names: other spellings redirect to the one canonical page', async () => {
    const { base } = await setup();
    for (const spelling of ['Foo_Bar', 'foo.bar', 'FOO--bar']) {
      const r = await get(`${base}/simple/${spelling}/?format=text/html`);
      expect(r.status).toBe(301);
      expect(r.headers['location']).toBe(`${base}/simple/foo-bar/?format=text/html`);
    }
    const noSlash = await get(`${base}/simple/foo-bar`);
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers['location']).toBe(`${base}/simple/foo-bar/`);
    for (const bad of ['-foo', 'foo_', 'a%20b', '..', 'f%2fo']) {
      const r = await get(`${base}/simple/${bad}/`);
      expect([400, 404]).toContain(r.status);
      expect(r.headers['x-trove-error']).toMatch(/TROVE_ERR_(NAME|BAD_PATH|NOT_FOUND)/);
    }
  });

  it('keeps every attribute in HTML and links files by their real name with the hash', async () => {
    const { base } = await setup('html');
    const r = await get(`${base}/simple/foo-bar/`);
    const html = r.body.toString();
    const [w10, w11, sd] = dists as [Dist, Dist, Dist];
    const m10 = sha(w10.metadata as Buffer);
    expect(html).toContain('<meta name="pypi:repository-version" content="1.1">');
    expect(html).toContain(
      `<a href="../../files/foo-bar/${w10.sha256}/${w10.filename}#sha256=${w10.sha256}" ` +
        `data-requires-python="&gt;=3.7, &lt;4" data-dist-info-metadata="sha256=${m10}" ` +
        `data-core-metadata="sha256=${m10}">${w10.filename}</a>`,
    );
    expect(html).toContain('data-yanked="broken &lt;build&gt;"');
    expect(html).toContain(`../../files/foo-bar/${sd.sha256}/${sd.filename}#sha256=${sd.sha256}`);
    expect(html).toContain(w11.filename);
  });

  it('serves JSON made from an HTML-only index, and HTML made from a JSON-only index', async () => {
    const { base } = await setup('html');
    const j = jsonPage(
      (await get(`${base}/simple/foo-bar/`, { headers: { accept: UV_ACCEPT } })).body,
    );
    const [w10, w11] = dists as [Dist, Dist];
    expect(j['meta']).toEqual({ 'api-version': '1.0' });
    expect(j['name']).toBe('foo-bar');
    expect(j.files[0]).toEqual({
      filename: w10.filename,
      url: `../../files/foo-bar/${w10.sha256}/${w10.filename}`,
      hashes: { sha256: w10.sha256 },
      'requires-python': '>=3.7, <4',
      'core-metadata': { sha256: sha(w10.metadata as Buffer) },
    });
    expect(j.files[1]?.['yanked']).toBe('broken <build>');
    await trove?.stop();
    await index?.stop();

    const { base: b2 } = await setup('json');
    const html = (
      await get(`${b2}/simple/foo-bar/`, { headers: { accept: 'text/html' } })
    ).body.toString();
    const m11 = sha(w11.metadata as Buffer);
    expect(html).toContain(
      `<a href="../../files/foo-bar/${w11.sha256}/${w11.filename}#sha256=${w11.sha256}" ` +
        `data-requires-python="&gt;=3.8" data-core-metadata="sha256=${m11}" data-gpg-sig="false" ` +
        `data-yanked="broken &lt;build&gt;" data-dist-info-metadata="sha256=${m11}">`,
    );
  });

  it('keeps PEP 700 fields and every other key of a JSON page as sent', async () => {
    const { base } = await setup('json');
    const r = await get(`${base}/simple/foo-bar/`, { headers: { accept: UV_ACCEPT } });
    const j = jsonPage(r.body);
    const [w10] = dists as [Dist];
    expect(j['meta']).toEqual({ '_last-serial': 42, 'api-version': '1.1' });
    expect(j['versions']).toEqual(['1.0', '1.1']);
    expect(j.files[0]).toEqual({
      filename: w10.filename,
      url: `../../files/foo-bar/${w10.sha256}/${w10.filename}`,
      hashes: { sha256: w10.sha256 },
      'requires-python': '>=3.7, <4',
      'core-metadata': { sha256: sha(w10.metadata as Buffer) },
      'data-dist-info-metadata': { sha256: sha(w10.metadata as Buffer) },
      'gpg-sig': false,
      yanked: false,
      size: w10.data.length,
      'upload-time': w10.uploadTime,
      provenance: null,
    });
  });

  it('gzips pages for clients that accept it, and answers conditional requests', async () => {
    const { base } = await setup();
    const page = `${base}/simple/foo-bar/`;
    const plain = await get(page, { headers: { accept: PIP_ACCEPT } });
    const gz = await get(page, { headers: { accept: PIP_ACCEPT, 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    const etag = plain.headers['etag'] as string;
    expect(etag).toBeTruthy();
    const again = await get(page, { headers: { accept: PIP_ACCEPT, 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('lists projects at the root, linked relative to it', async () => {
    const { base } = await setup();
    const html = (await get(`${base}/simple/`)).body.toString();
    expect(html).toContain('<a href="foo-bar/">foo-bar</a>');
    const j = JSON.parse(
      (await get(`${base}/simple/`, { headers: { accept: UV_ACCEPT } })).body.toString(),
    ) as {
      projects: Array<{ name: string }>;
    };
    expect(j.projects).toEqual([{ name: 'foo-bar' }]);
    expect((await get(`${base}/simple`)).headers['location']).toBe(`${base}/simple/`);
  });
});

describe('pypi files', () => {
  afterEach(() => undefined);

  it('serves files byte-exact, verified, with HEAD and Range and Content-Length', async () => {
    const { base, index: x } = await setup();
    const [w10] = dists as [Dist];
    const url = `${base}/files/foo-bar/${w10.sha256}/${w10.filename}`;
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.body.equals(w10.data)).toBe(true);
    expect(r.headers['content-encoding']).toBeUndefined();
    const head = await get(url, { method: 'HEAD' });
    expect(head.headers['content-length']).toBe(String(w10.data.length));
    expect(head.headers['accept-ranges']).toBe('bytes');
    const tail = await get(url, { headers: { range: 'bytes=-22' } });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-length']).toBe('22');
    expect(tail.body.equals(w10.data.subarray(-22))).toBe(true);
    expect(x.files.count(new URL(x.fileUrl(w10)).pathname)).toBe(1);
  });

  it('serves core metadata verified against the advertised hash', async () => {
    const { base } = await setup();
    const [w10] = dists as [Dist];
    const r = await get(`${base}/files/foo-bar/${w10.sha256}/${w10.filename}.metadata`);
    expect(r.status).toBe(200);
    expect(r.body.equals(w10.metadata as Buffer)).toBe(true);
    const none = await get(
      `${base}/files/foo-bar/${(dists[2] as Dist).sha256}/${(dists[2] as Dist).filename}.metadata`,
    );
    expect(none.status).toBe(404);
  });

  it('refuses a tampered file with a 502 and keeps nothing', async () => {
    const { base, index: x } = await setup();
    const [w10] = dists as [Dist];
    const bad = Buffer.from(w10.data);
    bad.writeUInt8(bad.readUInt8(bad.length - 30) ^ 1, bad.length - 30);
    x.swapped.set(w10.filename, bad);
    const url = `${base}/files/foo-bar/${w10.sha256}/${w10.filename}`;
    const r = await get(url);
    expect(r.status).toBe(502);
    expect(r.headers['x-trove-error']).toBe('TROVE_ERR_VERIFY');
    x.swapped.delete(w10.filename);
    const good = await get(url);
    expect(good.status).toBe(200);
    expect(good.body.equals(w10.data)).toBe(true);
  });

  it('answers 404 for a file the page does not list with that hash', async () => {
    const { base } = await setup();
    const [w10] = dists as [Dist];
    const wrong = `${base}/files/foo-bar/${'0'.repeat(64)}/${w10.filename}`;
    expect((await get(wrong)).status).toBe(404);
    expect((await get(`${base}/files/foo-bar/${w10.sha256}/other-1.0.tar.gz`)).status).toBe(404);
    expect((await get(`${base}/files/foo-bar/abc/${w10.filename}`)).status).toBe(404);
  });

  it('refuses files on hosts that are neither an index nor an allowed file host', async () => {
    const { base } = await setup('both', { file_hosts: [] });
    const [w10] = dists as [Dist];
    const r = await get(`${base}/files/foo-bar/${w10.sha256}/${w10.filename}`);
    expect(r.status).toBe(502);
    expect(r.body.toString()).toContain('file_hosts');
  });
});

describe('pypi upstream trouble', () => {
  it('answers 404 for a project the index does not have, 503 when the index is down', async () => {
    const { base, index: x } = await setup();
    const missing = await get(`${base}/simple/nope/`);
    expect(missing.status).toBe(404);
    await x.index.stop();
    const down = await get(`${base}/simple/other/`);
    expect(down.status).toBe(503);
    expect(down.headers['x-trove-error']).toBe('TROVE_ERR_UPSTREAM_CONNECT');
  });

  it('serves cached pages and files while the index and file host are down', async () => {
    const { base, index: x } = await setup('both', { fresh_for: '1ms' });
    const [w10] = dists as [Dist];
    const page = await get(`${base}/simple/foo-bar/`, { headers: { accept: PIP_ACCEPT } });
    const file = `${base}/files/foo-bar/${w10.sha256}/${w10.filename}`;
    expect((await get(file)).status).toBe(200);
    await x.stop();
    const again = await get(`${base}/simple/foo-bar/`, { headers: { accept: PIP_ACCEPT } });
    expect(again.status).toBe(200);
    expect(again.body.equals(page.body)).toBe(true);
    expect((await get(file)).body.equals(w10.data)).toBe(true);
  });

  it('honours Cache-Control: max-age=0 only when told to', async () => {
    const { base, index: x } = await setup('both', { client_revalidation: 'honor' });
    const page = `${base}/simple/foo-bar/`;
    await get(page, { headers: { accept: PIP_ACCEPT } });
    await get(page, { headers: { accept: PIP_ACCEPT } });
    expect(x.requestsFor('/simple/foo-bar/').length).toBe(1);
    await get(page, { headers: { accept: PIP_ACCEPT, 'cache-control': 'max-age=0' } });
    expect(x.requestsFor('/simple/foo-bar/').length).toBe(2);
  });
});

describe('pypi under load and offline', () => {
  it('fills once for 30 concurrent cold requests across forms and encodings, then hits', async () => {
    const { base, index: x } = await setup();
    const page = `${base}/simple/foo-bar/`;
    const variants: Array<Record<string, string>> = [
      { accept: PIP_ACCEPT },
      { accept: 'text/html' },
      { accept: 'application/vnd.pypi.simple.v1+html', 'accept-encoding': 'gzip' },
      { accept: UV_ACCEPT, 'accept-encoding': 'gzip' },
      { accept: 'text/html', 'accept-encoding': 'gzip' },
    ];
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        get(page, { headers: variants[i % variants.length] ?? {} }),
      ),
    );
    expect(answers.every((a) => a.status === 200 && a.complete)).toBe(true);
    expect(x.requestsFor('/simple/foo-bar/')).toHaveLength(1);
    const again = await get(page, { headers: { accept: PIP_ACCEPT } });
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body.equals((answers[0] as { body: Buffer }).body)).toBe(true);
  });

  it('serves what it has in offline mode, makes other forms from it, and says 504 for the rest', async () => {
    const { base, index: x } = await setup();
    const [w10] = dists as [Dist];
    await get(`${base}/simple/foo-bar/`, { headers: { accept: PIP_ACCEPT } });
    const file = `/files/foo-bar/${w10.sha256}/${w10.filename}`;
    expect((await get(`${base}${file}`)).status).toBe(200);
    const dir = (trove as TestTrove).dir;
    await (trove as TestTrove).app.close();
    await x.stop();
    trove = await startTrove(
      { instances: { pypi: { type: 'pypi', upstreams: [x.url], offline: true } } },
      { dir },
    );
    const b2 = `${trove.url}/pypi`;
    const html = await get(`${b2}/simple/foo-bar/`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.body.toString()).toContain(w10.filename);
    expect((await get(`${b2}${file}`)).body.equals(w10.data)).toBe(true);
    const miss = await get(`${b2}/simple/other/`);
    expect(miss.status).toBe(504);
  });
});

describe('pypi JSON API', () => {
  it('rewrites every file URL to Trove and keeps the rest', async () => {
    const { base } = await setup();
    const r = await get(`${base}/pypi/foo-bar/json`);
    expect(r.status).toBe(200);
    const j = JSON.parse(r.body.toString()) as {
      info: { name: string };
      urls: Array<{ url: string; filename: string; digests: { sha256: string } }>;
      releases: Record<string, Array<{ url: string; filename: string }>>;
    };
    expect(j.info.name).toBe('foo-bar');
    for (const f of [...j.urls, ...Object.values(j.releases).flat()]) {
      const d = dists.find((x) => x.filename === f.filename) as Dist;
      expect(f.url).toBe(`${base}/files/foo-bar/${d.sha256}/${d.filename}`);
    }
    expect(Object.keys(j.releases)).toEqual(['1.0', '1.1']);
    const file = await get(j.urls[0]?.url as string);
    expect(file.status).toBe(200);
  });
});

describe('pypi extra indexes', () => {
  it('takes the projects an extra index names from it alone, with its credentials', async () => {
    const [w10] = dists as [Dist];
    // The public index also has a "corp-thing", with a higher version: dependency confusion.
    index = await PypiIndex.start([await wheel('corp-thing', '99.0'), w10]);
    const corp = await wheel('corp-thing', '1.0');
    const priv = await PypiIndex.start([corp]);
    try {
      trove = await startTrove({
        instances: {
          pypi: {
            type: 'pypi',
            upstreams: [index.url],
            extra: [
              {
                upstreams: [{ url: priv.url, auth: { username: 'ci', password: 's3cret' } }],
                projects: ['Corp_*'],
              },
            ],
            file_hosts: [index.files.url, priv.files.url],
          },
        },
      });
      const base = `${trove.url}/pypi`;
      const j = jsonPage(
        (await get(`${base}/simple/corp-thing/`, { headers: { accept: UV_ACCEPT } })).body,
      );
      expect(j.files.map((f) => f.filename)).toEqual([corp.filename]);
      const file = await get(`${base}/files/corp-thing/${corp.sha256}/${corp.filename}`);
      expect(file.body.equals(corp.data)).toBe(true);
      expect(index.requestsFor('/simple/corp-thing/')).toHaveLength(0);
      const asked = priv.requestsFor('/simple/corp-thing/');
      expect(asked[0]?.headers['authorization']).toBe(
        `Basic ${Buffer.from('ci:s3cret').toString('base64')}`,
      );
      // Other projects still come from the default index, without those credentials.
      expect((await get(`${base}/simple/foo-bar/`)).status).toBe(200);
      expect(index.requestsFor('/simple/foo-bar/')[0]?.headers['authorization']).toBeUndefined();
      // The private index down is a 503, never a fall back to the public one.
      await priv.index.stop();
      const down = await get(`${base}/simple/corp-other/`);
      expect(down.status).toBe(503);
      expect(index.requestsFor('/simple/corp-other/')).toHaveLength(0);
    } finally {
      await priv.stop();
    }
  });
});

describe('pypi merged indexes', () => {
  it("lists both indexes' files for projects configured to merge, the extra index first", async () => {
    const pub = [
      await wheel('torch', '2.0'),
      await wheel('torch', '2.1'),
      await wheel('torchx', '1.0'),
    ];
    const extraTorch = await wheel('torch', '2.1', {
      files: { 'torch/__init__.py': 'CUDA = True\n' },
    });
    const extraOnly = await wheel('torch', '2.1+cu121');
    index = await PypiIndex.start(pub);
    const extra = await PypiIndex.start([extraTorch, extraOnly], 'html');
    try {
      trove = await startTrove({
        instances: {
          pypi: {
            type: 'pypi',
            upstreams: [index.url],
            extra: [{ upstreams: [extra.url], projects: ['torch*'], merge: true }],
            file_hosts: [index.files.url, extra.files.url],
          },
        },
      });
      const base = `${trove.url}/pypi`;
      const j = jsonPage(
        (await get(`${base}/simple/torch/`, { headers: { accept: UV_ACCEPT } })).body,
      );
      expect(j.files.map((f) => [f.filename, f.hashes['sha256']])).toEqual([
        [extraTorch.filename, extraTorch.sha256],
        [extraOnly.filename, extraOnly.sha256],
        [(pub[0] as Dist).filename, (pub[0] as Dist).sha256],
      ]);
      // The same name on both: the extra index's file, verified against its own hash.
      const got = await get(`${base}/files/torch/${extraTorch.sha256}/${extraTorch.filename}`);
      expect(got.body.equals(extraTorch.data)).toBe(true);
      const fromPub = await get(
        `${base}/files/torch/${(pub[0] as Dist).sha256}/${(pub[0] as Dist).filename}`,
      );
      expect(fromPub.body.equals((pub[0] as Dist).data)).toBe(true);
      const shadowed = await get(
        `${base}/files/torch/${(pub[1] as Dist).sha256}/${(pub[1] as Dist).filename}`,
      );
      expect(shadowed.status).toBe(404);
      // Missing on the extra index: the default index's page alone.
      const only = jsonPage(
        (await get(`${base}/simple/torchx/`, { headers: { accept: UV_ACCEPT } })).body,
      );
      expect(only.files.map((f) => f.filename)).toEqual([(pub[2] as Dist).filename]);
      // Trouble on either index is a 503, never half a page.
      await index.index.stop();
      const down = await get(`${base}/simple/torch-other/`);
      expect(down.status).toBe(503);
    } finally {
      await extra.stop();
    }
  });
});

describe('pypi pages as other indexes write them', () => {
  it('resolves relative links, <base>, unquoted attributes and entities', async () => {
    const [w10] = dists as [Dist];
    index = await PypiIndex.start([]);
    const html =
      '<html><head><base href="/mirror/"></head><body>\n' +
      `<A HREF=../pkgs/${w10.filename}#SHA256=${w10.sha256.toUpperCase()} data-requires-python=&gt;=3.7>${w10.filename}</A>\n` +
      '<a href="../pkgs/other-1.0.tar.gz#md5=0123456789abcdef0123456789abcdef">other-1.0.tar.gz</a>\n' +
      '<a name="no-href">x</a>\n' +
      '</body></html>';
    index.index.route('/simple/foo-bar/', (_q, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    index.index.file(`/pkgs/${w10.filename}`, w10.data);
    trove = await startTrove({
      instances: { pypi: { type: 'pypi', upstreams: [index.url] } },
    });
    const base = `${trove.url}/pypi`;
    const j = jsonPage(
      (await get(`${base}/simple/foo-bar/`, { headers: { accept: UV_ACCEPT } })).body,
    );
    expect(j.files).toEqual([
      {
        filename: w10.filename,
        url: `../../files/foo-bar/${w10.sha256}/${w10.filename}`,
        hashes: { sha256: w10.sha256 },
        'requires-python': '>=3.7',
      },
      {
        filename: 'other-1.0.tar.gz',
        url: '../../files/foo-bar/nohash/other-1.0.tar.gz',
        hashes: { md5: '0123456789abcdef0123456789abcdef' },
      },
    ]);
    // Resolved against <base>: /mirror/../pkgs/ is /pkgs/ on the index's own host.
    const file = await get(`${base}/files/foo-bar/${w10.sha256}/${w10.filename}`);
    expect(file.status).toBe(200);
    expect(file.body.equals(w10.data)).toBe(true);
  });

  it('refuses a JSON page that is cut short, and keeps nothing', async () => {
    index = await PypiIndex.start([]);
    let cut = true;
    index.index.route('/simple/foo-bar/', (_q, res) => {
      const body = JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'foo-bar', files: [] });
      res.writeHead(200, { 'content-type': JSON_TYPE }).end(cut ? body.slice(0, -5) : body);
    });
    trove = await startTrove({ instances: { pypi: { type: 'pypi', upstreams: [index.url] } } });
    const page = `${trove.url}/pypi/simple/foo-bar/`;
    const r = await get(page, { headers: { accept: UV_ACCEPT } });
    expect(r.status).toBe(502);
    expect(r.headers['x-trove-error']).toBe('TROVE_ERR_UPSTREAM_BODY');
    cut = false;
    expect((await get(page, { headers: { accept: UV_ACCEPT } })).status).toBe(200);
  });
});
