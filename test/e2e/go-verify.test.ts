// Checksum verification before caching, against x/mod's own checksum database server: Trove
// refuses a tampered zip or go.mod, a module the database does not know, a forged record and a
// forged signature, and caches none of them. Modules and hashes come from golang.org/x/mod.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream, freePort } from '../helpers/fake-upstream.js';
import {
  GO,
  addModule,
  buildGofixture,
  goEnv,
  goSumLines,
  startSumdb,
  type Sumdb,
} from '../helpers/go-fixtures.js';
import { runCommand } from '../helpers/run.js';
import { serveDirectory } from '../helpers/static-server.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools(GO);
const SUMDB = 'sum.verify.test';
const MAIN = join(process.cwd(), 'dist', 'cli', 'main.js');

describe.skipIf(!enabled)('checksum verification before caching', () => {
  let work: string;
  let up: FakeUpstream;
  let sumdb: Sumdb;
  let forger: FakeUpstream;
  let forge: 'none' | 'record' | 'signature' | 'down' = 'none';
  let trove: TestTrove;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-go-verify-'));
    const tool = await buildGofixture(work);
    const tree = join(work, 'proxy');
    const gosum: string[] = [];
    const mod = async (path: string, version: string, extra: Record<string, string> = {}) => {
      const files = { 'go.mod': `module ${path}\n\ngo 1.21\n`, 'a.go': 'package a\n', ...extra };
      const h = await addModule(tool, work, tree, path, version, files);
      gosum.push(...goSumLines(path, version, h));
    };
    await mod('example.com/good', 'v1.0.0');
    await mod('example.com/good', 'v1.1.0');
    await mod('example.com/tampered', 'v1.0.0');
    await mod('example.com/badmod', 'v1.0.0');
    await mod('example.com/forged', 'v1.0.0');
    await mod('example.com/late', 'v1.0.0', { 'big.txt': 'x'.repeat(2_000_000) });
    // Published after the database saw them: a zip with a changed file, a changed go.mod.
    const other = join(work, 'other');
    await addModule(tool, work, other, 'example.com/tampered', 'v1.0.0', {
      'go.mod': 'module example.com/tampered\n\ngo 1.21\n',
      'a.go': 'package a\n\nvar Backdoor = true\n',
    });
    copyFileSync(
      join(other, 'example.com/tampered/@v/v1.0.0.zip'),
      join(tree, 'example.com/tampered/@v/v1.0.0.zip'),
    );
    writeFileSync(join(tree, 'example.com/badmod/@v/v1.0.0.mod'), 'module example.com/badmod\n');
    // Never recorded in the checksum database.
    for (const path of ['example.com/unknown', 'example.com/trusted']) {
      await addModule(tool, work, tree, path, 'v1.0.0', { 'go.mod': `module ${path}\n` });
    }
    writeFileSync(join(work, 'go.sum.all'), `${gosum.join('\n')}\n`);
    up = await serveDirectory(tree);
    sumdb = await startSumdb(tool, SUMDB, join(work, 'go.sum.all'));
    // A man in the middle of the checksum database, forging records or signatures on demand.
    forger = new FakeUpstream();
    forger.server.removeAllListeners('request');
    forger.server.on('request', (req, res) => {
      void (async () => {
        if (forge === 'down') return void res.writeHead(503).end('database unavailable\n');
        const r = await request(`${sumdb.url}${req.url ?? '/'}`);
        let body = Buffer.from(await r.body.arrayBuffer());
        if (r.statusCode === 200 && req.url?.startsWith('/lookup/')) {
          let text = body.toString('utf8');
          if (forge === 'record')
            text = text.replace(
              /h1:[A-Za-z0-9+/=]+/,
              'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
            );
          if (forge === 'signature')
            text = text.replace(
              /(\u2014 \S+ )(\S)/,
              (_m, a: string, c: string) => `${a}${c === 'A' ? 'B' : 'A'}`,
            );
          body = Buffer.from(text);
        }
        res.writeHead(r.statusCode, { 'content-length': body.length }).end(body);
      })().catch(() => res.destroy());
    });
    await forger.start();
    trove = await startTrove({
      instances: {
        go: {
          type: 'go',
          upstreams: up.url,
          sumdb: [{ name: SUMDB, url: forger.url, key: sumdb.vkey }],
          nosumdb: 'example.com/trusted',
        },
      },
    });
  }, 400_000);

  afterAll(async () => {
    await trove?.stop();
    await forger?.stop();
    await sumdb?.stop();
    await up?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const cachedOnly = async (path: string) => (await get(`${trove.url}/cached-only${path}`)).status;

  it('caches modules whose .mod and .zip match the signed, included record', async () => {
    for (const p of ['/example.com/good/@v/v1.0.0.zip', '/example.com/good/@v/v1.0.0.mod']) {
      const r = await get(`${trove.url}${p}`);
      expect([p, r.status, r.complete]).toEqual([p, 200, true]);
      expect(await cachedOnly(p)).toBe(200);
    }
  });

  it('refuses a tampered zip and a tampered go.mod with 502, caching nothing', async () => {
    const zip = await get(`${trove.url}/example.com/tampered/@v/v1.0.0.zip`);
    expect(zip.status).toBe(502);
    expect(zip.headers['x-trove-error']).toBe('TROVE_ERR_VERIFY');
    expect(zip.body.toString()).toMatch(
      /checksum mismatch: upstream sent h1:.*, sum.verify.test has h1:/,
    );
    const mod = await get(`${trove.url}/example.com/badmod/@v/v1.0.0.mod`);
    expect([mod.status, mod.body.toString()]).toEqual([
      502,
      expect.stringMatching(/go.mod: checksum mismatch/),
    ]);
    expect(await cachedOnly('/example.com/tampered/@v/v1.0.0.zip')).toBe(404);
    expect(await cachedOnly('/example.com/badmod/@v/v1.0.0.mod')).toBe(404);
    // Asked again, the upstream is asked again: a refusal is not remembered as an answer.
    await get(`${trove.url}/example.com/tampered/@v/v1.0.0.zip`);
    expect(up.count('/example.com/tampered/@v/v1.0.0.zip')).toBe(2);
  });

  it('the go command fails on the tampered zip and sees why', async () => {
    const r = await runCommand(GO, ['mod', 'download', '-json', 'example.com/tampered@v1.0.0'], {
      env: goEnv(join(work, 'home'), {
        GOMODCACHE: join(work, 'modcache'),
        GOPROXY: trove.url,
        GOSUMDB: sumdb.vkey,
      }),
      timeoutMs: 120_000,
    });
    expect(r.code).not.toBe(0);
    expect(r.out + r.err).toMatch(/502 Bad Gateway[\s\S]*checksum mismatch/);
  });

  it('refuses modules the database does not know, unless nosumdb covers them', async () => {
    const r = await get(`${trove.url}/example.com/unknown/@v/v1.0.0.mod`);
    expect([r.status, r.body.toString()]).toEqual([
      502,
      'example.com/unknown@v1.0.0: not in checksum database sum.verify.test\n',
    ]);
    expect(await cachedOnly('/example.com/unknown/@v/v1.0.0.mod')).toBe(404);
    const trusted = await get(`${trove.url}/example.com/trusted/@v/v1.0.0.mod`);
    expect([trusted.status, trusted.body.toString()]).toEqual([
      200,
      'module example.com/trusted\n',
    ]);
  });

  it('refuses a forged record and a forged signature', async () => {
    forge = 'record';
    const rec = await get(`${trove.url}/example.com/forged/@v/v1.0.0.mod`);
    expect([rec.status, rec.body.toString()]).toEqual([
      502,
      expect.stringMatching(/record is not in sum.verify.test's signed tree/),
    ]);
    forge = 'signature';
    const sig = await get(`${trove.url}/example.com/good/@v/v1.1.0.mod`);
    expect([sig.status, sig.body.toString()]).toEqual([
      502,
      expect.stringMatching(/tree signature does not verify/),
    ]);
    forge = 'none';
    expect(await cachedOnly('/example.com/forged/@v/v1.0.0.mod')).toBe(404);
    expect(await cachedOnly('/example.com/good/@v/v1.1.0.mod')).toBe(404);
  });

  it('fails fast and clearly when the database cannot be read, before asking for the zip', async () => {
    forge = 'down';
    try {
      const zip = await get(`${trove.url}/example.com/late/@v/v1.0.0.zip`);
      expect(zip.status).toBe(502);
      expect(zip.body.toString()).toMatch(
        /example.com\/late@v1.0.0: checksum database sum.verify.test could not be read, so the module was not fetched/,
      );
      expect(up.count('/example.com/late/@v/v1.0.0.zip')).toBe(0);
      const r = await runCommand(GO, ['mod', 'download', '-json', 'example.com/late@v1.0.0'], {
        env: goEnv(join(work, 'home'), {
          GOMODCACHE: join(work, 'modcache-late'),
          GOPROXY: trove.url,
          GOSUMDB: 'off',
        }),
        timeoutMs: 120_000,
      });
      expect(r.code).not.toBe(0);
      expect(r.out + r.err).toMatch(/502 Bad Gateway[\s\S]*could not be read/);
      expect(r.out + r.err).not.toMatch(/unexpected EOF/);
    } finally {
      forge = 'none';
    }
    // Reachable again: the module is fetched, verified and cached.
    const ok = await get(`${trove.url}/example.com/late/@v/v1.0.0.zip`);
    expect([ok.status, ok.complete]).toEqual([200, true]);
    expect(up.count('/example.com/late/@v/v1.0.0.zip')).toBe(1);
  });

  it('verifies through a proxy of the chain when the database itself is unreachable', async () => {
    // The only way out: a proxy that serves modules and proxies the checksum database.
    const carrier = new FakeUpstream();
    carrier.server.removeAllListeners('request');
    carrier.server.on('request', (req, res) => {
      void (async () => {
        const url = req.url ?? '/';
        const prefix = `/sumdb/${SUMDB}/`;
        if (url === `${prefix}supported`) return void res.writeHead(200).end();
        const target = url.startsWith(prefix)
          ? `${sumdb.url}/${url.slice(prefix.length)}`
          : `${up.url}${url}`;
        const r = await request(target);
        const body = Buffer.from(await r.body.arrayBuffer());
        carrier.hits.set(url, (carrier.hits.get(url) ?? 0) + 1);
        res.writeHead(r.statusCode, { 'content-length': body.length }).end(body);
      })().catch(() => res.destroy());
    });
    await carrier.start();
    const walled = await startTrove({
      instances: {
        go: {
          type: 'go',
          upstreams: carrier.url,
          sumdb: [{ name: SUMDB, url: 'http://127.0.0.1:9', key: sumdb.vkey }],
        },
      },
    });
    try {
      const r = await runCommand(GO, ['mod', 'download', '-json', 'example.com/good@v1.1.0'], {
        env: goEnv(join(work, 'home'), {
          GOMODCACHE: join(work, 'modcache-walled'),
          GOPROXY: walled.url,
          GOSUMDB: sumdb.vkey,
        }),
        timeoutMs: 120_000,
      });
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ Path: 'example.com/good', Version: 'v1.1.0' });
      expect([...carrier.hits.keys()].some((k) => k.startsWith(`/sumdb/${SUMDB}/lookup/`))).toBe(
        true,
      );
    } finally {
      await walled.stop();
      await carrier.stop();
    }
  });

  it('caches unverified when started with GOSUMDB=off, as the go command would download', async () => {
    const port = await freePort();
    const cfg = join(work, 'sumdb-off.yaml');
    writeFileSync(
      cfg,
      `log:\n  level: warn\nstorage:\n  dir: ${join(work, 'sumdb-off-cache')}\ninstances:\n  go: {type: go, upstreams: '${up.url}'}\n`,
    );
    const child = spawn(
      process.execPath,
      [MAIN, 'serve', '--config', cfg, '--port', String(port)],
      {
        stdio: 'ignore',
        env: { ...process.env, GOSUMDB: 'off', GOPRIVATE: '' },
      },
    );
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 150; i++) {
        if ((await get(`${base}/health`).catch(() => ({ status: 0 }))).status === 200) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = await runCommand(GO, ['mod', 'download', '-json', 'example.com/unknown@v1.0.0'], {
        env: goEnv(join(work, 'home'), {
          GOMODCACHE: join(work, 'modcache-off'),
          GOPROXY: base,
          GOSUMDB: 'off',
        }),
        timeoutMs: 120_000,
      });
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ Path: 'example.com/unknown', Version: 'v1.0.0' });
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    }
  });
});
