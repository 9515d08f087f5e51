// The real go command (1.23) through Trove: go mod download, go get and go build against a
// static GOPROXY tree on loopback, a checksum database made by x/mod's sumdb test server with
// its own key, a GOPROXY chain, gatekeeping, and a rebuild with every upstream stopped.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import {
  GO,
  addModule,
  buildGofixture,
  goEnv,
  goSumLines,
  parseDownloads,
  startSumdb,
  type Sumdb,
} from '../helpers/go-fixtures.js';
import { selfSignedCert, startDns, startSocks5 } from '../helpers/net-fixtures.js';
import { runCommand } from '../helpers/run.js';
import { serveDirectory } from '../helpers/static-server.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools(GO, 'openssl');
const SUMDB = 'sum.trove.test';

describe.skipIf(!enabled)('go command through Trove', () => {
  let work: string;
  let up1: FakeUpstream;
  let up2: FakeUpstream;
  let sumdb: Sumdb;
  let trove: TestTrove;
  const gosum: string[] = [];
  let run = 0;

  const go = (args: string[], over: Record<string, string>, cwd?: string) =>
    runCommand(GO, args, {
      cwd: cwd ?? work,
      env: goEnv(join(work, 'home'), { GOMODCACHE: join(work, `modcache-${run++}`), ...over }),
      timeoutMs: 180_000,
    });
  const throughTrove = (): Record<string, string> => ({
    GOPROXY: trove.url,
    // No URL: the go command asks GOPROXY's /sumdb/<name>/supported and uses Trove.
    GOSUMDB: sumdb.vkey,
  });
  const WANTED = [
    'example.com/hello@v1.1.0',
    'example.com/hello/v2@v2.0.0',
    'example.com/dep@v0.1.0',
  ];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-go-e2e-'));
    const tool = await buildGofixture(work);
    const tree1 = join(work, 'proxy1');
    const tree2 = join(work, 'proxy2');
    const mod = async (
      tree: string,
      path: string,
      version: string,
      files: Record<string, string>,
    ) =>
      gosum.push(
        ...goSumLines(path, version, await addModule(tool, work, tree, path, version, files)),
      );
    await mod(tree1, 'example.com/dep', 'v0.1.0', {
      'go.mod': 'module example.com/dep\n\ngo 1.21\n',
      'dep.go': 'package dep\n\nfunc Name() string { return "dep" }\n',
    });
    await mod(tree1, 'example.com/hello', 'v1.0.0', {
      'go.mod': 'module example.com/hello\n\ngo 1.21\n',
      'hello.go': 'package hello\n\nfunc Hello() string { return "hello v1.0.0" }\n',
    });
    await mod(tree1, 'example.com/hello', 'v1.1.0', {
      'go.mod': 'module example.com/hello\n\ngo 1.21\n\nrequire example.com/dep v0.1.0\n',
      'hello.go':
        'package hello\n\nimport "example.com/dep"\n\nfunc Hello() string { return "hello v1.1.0 " + dep.Name() }\n',
      LICENSE: 'Fixture licence.\n',
      'internal/x/x.go': 'package x\n',
    });
    await mod(tree1, 'example.com/hello/v2', 'v2.0.0', {
      'go.mod': 'module example.com/hello/v2\n\ngo 1.21\n',
      'hello.go': 'package hello\n\nfunc Hello() string { return "hello v2" }\n',
    });
    await mod(tree1, 'example.com/denied', 'v1.0.0', {
      'go.mod': 'module example.com/denied\n\ngo 1.21\n',
      'd.go': 'package denied\n',
    });
    await mod(tree2, 'example.com/second', 'v1.0.0', {
      'go.mod': 'module example.com/second\n\ngo 1.21\n',
      's.go': 'package second\n',
    });
    writeFileSync(join(work, 'go.sum.all'), `${gosum.join('\n')}\n`);
    up1 = await serveDirectory(tree1);
    up2 = await serveDirectory(tree2);
    sumdb = await startSumdb(tool, SUMDB, join(work, 'go.sum.all'));
    trove = await startTrove({
      instances: {
        go: {
          type: 'go',
          upstreams: `${up1.url},${up2.url}`,
          sumdb: [{ name: SUMDB, url: sumdb.url, key: sumdb.vkey }],
          deny: [{ module: 'example.com/denied', reason: 'blocked by security review' }],
        },
        solo: { type: 'go', path: '/solo', upstreams: up1.url, sumdb: [], verify: false },
      },
    });
  }, 400_000);

  afterAll(async () => {
    await trove?.stop();
    await sumdb?.stop();
    await up1?.stop();
    await up2?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('go mod download through Trove gives the same hashes as a direct download and as x/mod', async () => {
    const direct = await go(['mod', 'download', '-json', ...WANTED], {
      GOPROXY: up1.url,
      GOSUMDB: 'off',
    });
    expect(direct.code, direct.err + direct.out).toBe(0);
    const viaTrove = await go(['mod', 'download', '-json', ...WANTED], throughTrove());
    expect(viaTrove.code, viaTrove.err + viaTrove.out).toBe(0);
    const sums = (out: string) =>
      parseDownloads(out).map((d) => [d.Path, d.Version, d.Sum, d.GoModSum]);
    expect(sums(viaTrove.out)).toEqual(sums(direct.out));
    for (const [path, version, sum, modSum] of sums(viaTrove.out)) {
      expect(gosum).toContain(`${path} ${version} ${sum}`);
      expect(gosum).toContain(`${path} ${version}/go.mod ${modSum}`);
    }
    // The checksum database was consulted through Trove and is cached there.
    const lookup = await get(`${trove.url}/sumdb/${SUMDB}/lookup/example.com/hello@v1.1.0`);
    expect([lookup.status, lookup.headers['x-cache']]).toEqual([200, 'HIT']);
  });

  it('go get and go build resolve @latest and write go.sum lines equal to x/mod hashes', async () => {
    const app = join(work, 'app');
    mkdirSync(app, { recursive: true });
    writeFileSync(join(app, 'go.mod'), 'module example.com/app\n\ngo 1.21\n');
    writeFileSync(
      join(app, 'main.go'),
      'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/hello"\n)\n\nfunc main() { fmt.Println(hello.Hello()) }\n',
    );
    const got = await go(['get', 'example.com/hello@latest'], throughTrove(), app);
    expect(got.code, got.err).toBe(0);
    expect(got.err).toMatch(/example.com\/hello v1.1.0/);
    const lines = readFileSync(join(app, 'go.sum'), 'utf8').trim().split('\n');
    for (const l of lines) expect(gosum).toContain(l);
    expect(lines).toEqual(
      expect.arrayContaining(gosum.filter((l) => l.startsWith('example.com/hello v1.1.0'))),
    );
    const built = await go(['run', '.'], throughTrove(), app);
    expect(built.code, built.err).toBe(0);
    expect(built.out.trim()).toBe('hello v1.1.0 dep');
  });

  it('falls through a GOPROXY chain: Trove answers 404, the next proxy has the module', async () => {
    const only = await get(`${trove.url}/solo/example.com/second/@v/v1.0.0.info`);
    expect(only.status).toBe(404);
    const r = await go(['mod', 'download', '-json', 'example.com/second@v1.0.0'], {
      GOPROXY: `${trove.url}/solo,${up2.url}`,
      // Explicit URL form of GOSUMDB, also served by Trove.
      GOSUMDB: `${sumdb.vkey} ${trove.url}/sumdb/${SUMDB}`,
    });
    expect(r.code, r.err).toBe(0);
    expect(parseDownloads(r.out)[0]?.Sum).toBe(
      gosum.find((l) => l.startsWith('example.com/second v1.0.0 '))?.split(' ')[2],
    );
    // Trove's own chain reaches the second upstream too.
    const viaChain = await go(
      ['mod', 'download', '-json', 'example.com/second@v1.0.0'],
      throughTrove(),
    );
    expect(viaChain.code, viaChain.err).toBe(0);
  });

  it('shows the deny reason when a module is refused', async () => {
    const r = await go(['mod', 'download', '-json', 'example.com/denied@v1.0.0'], throughTrove());
    expect(r.code).not.toBe(0);
    const said = r.out + r.err;
    expect(said).toMatch(/403 Forbidden/);
    expect(said).toMatch(/blocked by security review/);
  });

  it('reaches its upstreams through a SOCKS5 proxy, naming them with its own DoH server', async () => {
    const names = { 'goproxy.trove.test': '127.0.0.1', 'sumdb.trove.test': '127.0.0.1' };
    const cert = selfSignedCert(['dns.trove.test']);
    const caFile = join(work, 'dns-ca.pem');
    writeFileSync(caFile, cert.cert);
    const dns = await startDns(names, cert);
    const socks = await startSocks5(names);
    const viaNet = await startTrove({
      upstream: { proxy: socks.url, dns: dns.https, ca_file: caFile },
      instances: {
        go: {
          type: 'go',
          upstreams: `http://goproxy.trove.test:${new URL(up1.url).port}`,
          sumdb: [
            {
              name: SUMDB,
              url: `http://sumdb.trove.test:${new URL(sumdb.url).port}`,
              key: sumdb.vkey,
            },
          ],
        },
      },
    });
    try {
      const r = await go(['mod', 'download', '-json', 'example.com/hello@v1.0.0'], {
        GOPROXY: viaNet.url,
        GOSUMDB: sumdb.vkey,
        // Its own checksum database state: this run grows the tree the other runs know.
        GOPATH: join(work, 'gopath-net'),
      });
      expect(r.code, r.err + r.out).toBe(0);
      expect(dns.queries).toEqual(
        expect.arrayContaining(['https A goproxy.trove.test', 'https A sumdb.trove.test']),
      );
      expect(socks.targets).toEqual(
        expect.arrayContaining([
          `127.0.0.1:${new URL(up1.url).port}`,
          `127.0.0.1:${new URL(sumdb.url).port}`,
        ]),
      );
    } finally {
      await viaNet.stop();
      await socks.stop();
      await dns.stop();
    }
  });

  it('serves everything from the cache with every upstream and the checksum database stopped', async () => {
    await up1.stop();
    await up2.stop();
    await sumdb.stop();
    const r = await go(
      ['mod', 'download', '-json', ...WANTED, 'example.com/second@v1.0.0'],
      throughTrove(),
    );
    expect(r.code, r.err + r.out).toBe(0);
    const got = parseDownloads(r.out);
    expect(got.map((d) => d.Error)).toEqual([undefined, undefined, undefined, undefined]);
    for (const d of got) expect(gosum).toContain(`${d.Path} ${d.Version} ${d.Sum}`);
  });
});
