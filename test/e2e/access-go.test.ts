// The go command against a Trove that requires credentials: Basic from the GOPROXY URL and from
// .netrc, the 401 an anonymous client or a wrong password gets, and a read-only user who gets
// what is cached and nothing else. The go command sends credentials over HTTPS only: Trove
// serves TLS itself (server.tls, HTTP/2 by ALPN), its CA given to go in SSL_CERT_FILE.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as users from '../helpers/access-users.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { GO, addModule, buildGofixture, goEnv, parseDownloads } from '../helpers/go-fixtures.js';
import { runCommand } from '../helpers/run.js';
import { serveDirectory } from '../helpers/static-server.js';
import { requireTools } from '../helpers/tools.js';
import { TestCa } from '../helpers/pki.js';
import { capturingLogger, startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools(GO);

describe.skipIf(!enabled)('go command with client authentication', () => {
  let work: string;
  let up: FakeUpstream;
  let trove: TestTrove;
  let ca: TestCa;
  let run = 0;
  const { log, lines } = capturingLogger();

  const go = (args: string[], over: Record<string, string>) =>
    runCommand(GO, args, {
      cwd: work,
      env: goEnv(join(work, 'home'), {
        GOMODCACHE: join(work, `modcache-${run++}`),
        GOSUMDB: 'off',
        NETRC: join(work, 'no-netrc'),
        SSL_CERT_FILE: ca.certFile,
        ...over,
      }),
      timeoutMs: 120_000,
    });
  const host = () => trove.url.replace('https://', '');
  const as = (u: { user: string; password: string }) => `https://${u.user}:${u.password}@${host()}`;
  const download = (mod: string, over: Record<string, string>) =>
    go(['mod', 'download', '-json', mod], over);

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-go-access-'));
    const tool = await buildGofixture(work);
    const tree = join(work, 'proxy');
    for (const [path, version] of [
      ['example.com/pub', 'v1.0.0'],
      ['example.com/pub', 'v1.1.0'],
      ['example.com/secret', 'v1.0.0'],
    ] as const) {
      await addModule(tool, work, tree, path, version, {
        'go.mod': `module ${path}\n\ngo 1.21\n`,
        'x.go': 'package x\n',
      });
    }
    up = await serveDirectory(tree);
    ca = new TestCa();
    trove = await startTrove(
      {
        server: { tls: ca.files(ca.server(), 'trove') },
        access: users.accessSection(users.writeHtpasswd(work)),
        instances: {
          go: {
            type: 'go',
            upstreams: up.url,
            sumdb: [],
            verify: false,
            access: users.instanceAccess(['example.com/secret']),
          },
        },
      },
      { log },
    );
  }, 300_000);

  afterAll(async () => {
    await trove?.stop();
    ca?.remove();
    await up?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses an anonymous client and a wrong password with 401', async () => {
    const anon = await download('example.com/pub@v1.0.0', { GOPROXY: trove.url });
    expect(anon.code).not.toBe(0);
    expect(anon.out + anon.err, anon.out + anon.err).toMatch(/401 Unauthorized/);
    const wrong = await download('example.com/pub@v1.0.0', {
      GOPROXY: as({ user: users.ALICE.user, password: 'wrong' }),
    });
    expect(wrong.code).not.toBe(0);
    expect(wrong.out + wrong.err).toMatch(/401 Unauthorized/);
  });

  it('downloads with credentials in GOPROXY, and with .netrc', async () => {
    const inUrl = await download('example.com/pub@v1.0.0', { GOPROXY: as(users.ALICE) });
    expect(inUrl.code, inUrl.err + inUrl.out).toBe(0);
    expect(parseDownloads(inUrl.out)[0]?.Sum).toMatch(/^h1:/);
    // The go command's own transport negotiates HTTP/2 by ALPN.
    const zips = lines.filter((l) => String(l['url']).endsWith('/@v/v1.0.0.zip'));
    expect(zips.map((l) => l['http'])).toContain('2.0');
    const netrc = join(work, 'netrc');
    // go 1.23 matches the machine against host:port.
    writeFileSync(
      netrc,
      `machine ${host()} login ${users.ALICE.user} password ${users.ALICE.password}\n`,
    );
    const viaNetrc = await download('example.com/secret@v1.0.0', {
      GOPROXY: trove.url,
      NETRC: netrc,
    });
    expect(viaNetrc.code, viaNetrc.err + viaNetrc.out).toBe(0);
  });

  it('gives a read-only user what is cached, and refuses what would need a fetch', async () => {
    const cached = await download('example.com/pub@v1.0.0', { GOPROXY: as(users.BOB) });
    expect(cached.code, cached.err + cached.out).toBe(0);
    const before = up.requests.length;
    const uncached = await download('example.com/pub@v1.1.0', { GOPROXY: as(users.BOB) });
    expect(uncached.code).not.toBe(0);
    expect(uncached.out + uncached.err).toMatch(/403 Forbidden/);
    expect(up.requests.length).toBe(before);
    const denied = await download('example.com/secret@v1.0.0', { GOPROXY: as(users.BOB) });
    expect(denied.code).not.toBe(0);
    expect(denied.out + denied.err).toMatch(
      /403 Forbidden[\s\S]*bob may not read example.com\/secret/,
    );
  });
});
