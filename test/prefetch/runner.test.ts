// The prefetch runner against a fake Trove (a real node:http server on port 0): what it counts
// as cached or fetched, retries and their bounds, concurrency, credentials, instance choice,
// image platforms, Maven packaging, and the progress bar a terminal gets.
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { barReporter, type Reporter, type Summary } from '../../src/prefetch/progress.js';
import { prefetch, type PrefetchOptions } from '../../src/prefetch/runner.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';

const dir = mkdtempSync(join(tmpdir(), 'trove-prefetch-unit-'));
let n = 0;
const list = (lines: string[]): string => {
  const f = join(dir, `purls-${n++}.txt`);
  writeFileSync(f, `${lines.join('\n')}\n`);
  return f;
};

const quiet: Reporter = { start() {}, item() {}, done() {} };
let trove: FakeUpstream | undefined;
afterEach(async () => {
  await trove?.stop();
  trove = undefined;
});

/** A fake Trove with a go instance at /go (and another at /go2) and an oci and maven one. */
async function fakeTrove(): Promise<FakeUpstream> {
  trove = new FakeUpstream();
  await trove.start();
  const url = trove.url;
  trove.route('/_trove/instances', (_q, s) => {
    s.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        instances: [
          { name: 'go', type: 'go', path: '/go', url: `${url}/go` },
          { name: 'go2', type: 'go', path: '/go2', url: `${url}/go2` },
          { name: 'oci', type: 'oci', path: '/v2', url: `${url}/v2` },
          { name: 'maven', type: 'maven', path: '/maven', url: `${url}/maven` },
        ],
      }),
    );
  });
  return trove;
}

/** Serves a file; `cached` says what X-Cache a HEAD gets. */
function file(t: FakeUpstream, path: string, cached = false, body = 'x'): void {
  t.route(path, (q: IncomingMessage, s: ServerResponse) => {
    s.writeHead(200, { 'content-length': body.length, 'x-cache': cached ? 'HIT' : 'MISS' });
    s.end(q.method === 'HEAD' ? undefined : body);
  });
}

const goFiles = (t: FakeUpstream, base: string, mod: string, cached = false): void => {
  for (const ext of ['info', 'mod', 'zip']) file(t, `${base}/${mod}/@v/v1.0.0.${ext}`, cached);
};

const run = (o: Partial<PrefetchOptions> & { files: string[] }, report = quiet): Promise<Summary> =>
  prefetch(
    {
      url: (trove as FakeUpstream).url,
      concurrency: 4,
      retries: 2,
      instances: {},
      platforms: ['linux/amd64'],
      backoffMs: 5,
      ...o,
    },
    report,
  );

describe('prefetch runner', () => {
  it('counts an item cached when every file is a HIT, and asks no GET for it', async () => {
    const t = await fakeTrove();
    goFiles(t, '/go', 'example.com/hot', true);
    goFiles(t, '/go', 'example.com/cold', false);
    const s = await run({
      files: [list(['pkg:golang/example.com/hot@v1.0.0', 'pkg:golang/example.com/cold@v1.0.0'])],
    });
    expect(s).toMatchObject({ total: 2, cached: 1, fetched: 1, failed: 0 });
    const gets = t.requests.filter((r) => r.method === 'GET' && r.url?.includes('/hot/'));
    expect(gets).toHaveLength(0);
  });

  it('retries a 503 up to --retries, and never a 404', async () => {
    const t = await fakeTrove();
    let calls = 0;
    goFiles(t, '/go', 'example.com/flaky');
    t.route('/go/example.com/flaky/@v/v1.0.0.info', (_q, s) => {
      calls++;
      if (calls <= 4)
        s.writeHead(503, { 'x-trove-error': 'TROVE_ERR_UPSTREAM' }).end('upstream down\n');
      else s.writeHead(200, { 'x-cache': 'MISS', 'content-length': 1 }).end('x');
    });
    const failed = await run({
      files: [list(['pkg:golang/example.com/flaky@v1.0.0'])],
      retries: 1,
    });
    expect(failed.failures[0]?.reason).toMatch(/503 TROVE_ERR_UPSTREAM: upstream down/);
    expect(calls).toBe(4); // a HEAD and a GET, tried twice
    const ok = await run({ files: [list(['pkg:golang/example.com/flaky@v1.0.0'])], retries: 3 });
    expect(ok).toMatchObject({ fetched: 1, failed: 0 });
    const before = t.requests.length;
    const missing = await run({
      files: [list(['pkg:golang/example.com/none@v1.0.0'])],
      retries: 3,
    });
    expect(missing.failures[0]?.reason).toMatch(/: 404/);
    // The instance list, then a HEAD and a GET, not retried.
    expect(t.requests.length - before).toBe(3);
  });

  it('keeps at most --concurrency items in flight', async () => {
    const t = await fakeTrove();
    let inFlight = 0;
    let most = 0;
    const mods = Array.from({ length: 12 }, (_, i) => `example.com/m${i}`);
    for (const m of mods) {
      for (const ext of ['info', 'mod', 'zip']) {
        t.route(`/go/${m}/@v/v1.0.0.${ext}`, (q, s) => {
          inFlight++;
          most = Math.max(most, inFlight);
          setTimeout(() => {
            inFlight--;
            s.writeHead(200, { 'x-cache': 'MISS', 'content-length': 1 }).end(
              q.method === 'HEAD' ? undefined : 'x',
            );
          }, 5);
        });
      }
    }
    const s = await run({
      files: [list(mods.map((m) => `pkg:golang/${m}@v1.0.0`))],
      concurrency: 3,
    });
    expect(s).toMatchObject({ total: 12, fetched: 12 });
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
  });

  it('sends Basic credentials from the URL, or a bearer token', async () => {
    const t = await fakeTrove();
    goFiles(t, '/go', 'example.com/x', true);
    const f = list(['pkg:golang/example.com/x@v1.0.0']);
    await run({ files: [f], url: t.url.replace('http://', 'http://ci%40corp:s%3Acret@') });
    expect(t.requests.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from('ci@corp:s:cret').toString('base64')}`,
    );
    await run({ files: [f], token: 'trove_abc' });
    expect(t.requests.at(-1)?.headers.authorization).toBe('Bearer trove_abc');
  });

  it('asks nothing outside the Trove, even when a packument names another host', async () => {
    const t = await fakeTrove();
    const elsewhere = await new FakeUpstream().file('/x/-/x-1.0.0.tgz', 'x').start();
    try {
      t.route('/_trove/instances', (_q, s) => {
        s.writeHead(200).end(
          JSON.stringify({ instances: [{ name: 'npm', type: 'npm', url: `${t.url}/npm` }] }),
        );
      });
      t.route('/npm/x', (_q, s) => {
        const doc = {
          versions: { '1.0.0': { dist: { tarball: `${elsewhere.url}/x/-/x-1.0.0.tgz` } } },
        };
        s.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
      });
      const s = await run({ files: [list(['pkg:npm/x@1.0.0'])], token: 'trove_secret' });
      expect(s.failures[0]?.reason).toMatch(/not on http:\/\/127\.0\.0\.1:\d+, so not asked/);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.stop();
    }
  });

  it('uses the instance --instance names, and fails items of an ecosystem with none', async () => {
    const t = await fakeTrove();
    goFiles(t, '/go2', 'example.com/y');
    const s = await run({
      files: [list(['pkg:golang/example.com/y@v1.0.0', 'pkg:npm/left-pad@1.0.0'])],
      instances: { go: 'go2' },
    });
    expect(s).toMatchObject({ fetched: 1, failed: 1 });
    expect(s.failures[0]?.reason).toBe('this Trove has no npm instance');
  });

  it('warms the asked platforms of a multi-platform image', async () => {
    const t = await fakeTrove();
    const d = (c: string): string => `sha256:${c.repeat(64)}`;
    const json = (body: unknown) => (q: IncomingMessage, s: ServerResponse) => {
      const text = JSON.stringify(body);
      s.writeHead(200, {
        'content-type': 'application/json',
        'x-cache': 'MISS',
        'content-length': Buffer.byteLength(text),
      });
      s.end(q.method === 'HEAD' ? undefined : text);
    };
    t.route(
      '/v2/ghcr.io/o/i/manifests/1.0',
      json({
        manifests: [
          { digest: d('a'), platform: { os: 'linux', architecture: 'amd64' } },
          { digest: d('b'), platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        ],
      }),
    );
    t.route(
      `/v2/ghcr.io/o/i/manifests/${d('a')}`,
      json({ config: { digest: d('c') }, layers: [{ digest: d('1') }] }),
    );
    t.route(
      `/v2/ghcr.io/o/i/manifests/${d('b')}`,
      json({ config: { digest: d('e') }, layers: [{ digest: d('2') }] }),
    );
    for (const c of ['c', '1', 'e', '2']) file(t, `/v2/ghcr.io/o/i/blobs/${d(c)}`);
    const f = list(['pkg:oci/i@1.0?repository_url=ghcr.io/o/i']);
    const blobs = () =>
      t.requests.filter((r) => r.method === 'GET' && r.url?.includes('/blobs/')).map((r) => r.url);
    await run({ files: [f] });
    expect(blobs()).toEqual([`/v2/ghcr.io/o/i/blobs/${d('c')}`, `/v2/ghcr.io/o/i/blobs/${d('1')}`]);
    await run({ files: [f], platforms: ['linux/arm64/v8'] });
    expect(blobs().slice(2)).toEqual([
      `/v2/ghcr.io/o/i/blobs/${d('e')}`,
      `/v2/ghcr.io/o/i/blobs/${d('2')}`,
    ]);
  });

  it("takes a Maven artifact's packaging from its POM", async () => {
    const t = await fakeTrove();
    const pom = (packaging: string) => (_q: IncomingMessage, s: ServerResponse) => {
      s.writeHead(200, { 'x-cache': 'MISS' }).end(
        `<project><packaging>${packaging}</packaging></project>`,
      );
    };
    t.route('/maven/org/ex/parent/1.0/parent-1.0.pom', pom('pom'));
    t.route('/maven/org/ex/lib/1.0/lib-1.0.pom', pom('bundle'));
    file(t, '/maven/org/ex/lib/1.0/lib-1.0.jar');
    const s = await run({
      files: [list(['pkg:maven/org.ex/parent@1.0', 'pkg:maven/org.ex/lib@1.0'])],
    });
    expect(s).toMatchObject({ fetched: 2, failed: 0 });
    expect(t.requests.some((r) => r.url?.endsWith('parent-1.0.jar'))).toBe(false);
    expect(t.requests.some((r) => r.url?.endsWith('lib-1.0.jar'))).toBe(true);
  });

  it('draws a progress bar on a terminal, failures above it, then the summary', async () => {
    const t = await fakeTrove();
    goFiles(t, '/go', 'example.com/ok');
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    const tty = Object.assign(out, { columns: 100, isTTY: true }) as unknown as NodeJS.WriteStream;
    await run(
      { files: [list(['pkg:golang/example.com/ok@v1.0.0', 'pkg:golang/example.com/gone@v1.0.0'])] },
      barReporter(tty),
    );
    // Each redraw returns to the line's start and clears it (ESC [2K).
    const redrawn = text.replaceAll('\r\u001b[2K', '<redraw>');
    expect(redrawn).toMatch(/<redraw>\[[#-]+\] 0\/2 {2}fetched 0/);
    expect(redrawn).toMatch(/<redraw>failed example\.com\/gone@v1\.0\.0: .*404/);
    expect(text).toMatch(/\[#+\] 2\/2 {2}fetched 1 {2}cached 0 {2}failed 1/);
    expect(text).toMatch(/\nprefetch: 2 items: 1 fetched, 0 already cached, 1 failed/);
  });
});
