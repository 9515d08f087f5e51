// The trove command: validate, default-config, serve with a graceful SIGTERM, health, stats
// and gc.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { runCommand, type Ran } from '../helpers/run.js';
import { FakeUpstream, freePort, gate, stopAfterEach, until } from '../helpers/fake-upstream.js';

const MAIN = join(process.cwd(), 'dist', 'cli', 'main.js');

function trove(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Ran> {
  return runCommand(process.execPath, [MAIN, ...args], { env, timeoutMs: 30_000 });
}

const dir = mkdtempSync(join(tmpdir(), 'trove-cli-'));
let up: FakeUpstream | undefined;
stopAfterEach(() => [up]);

describe('trove validate', () => {
  it('exits 2 with one line per problem naming file, key and reason', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'storage:\n  max_size: lots\ninstances:\n  f: {type: file, upstreams: [ftp://x]}\n',
    );
    const r = await trove(['validate', '--config', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`trove: ${bad}: storage.max_size: "lots" is not a size`);
    expect(r.err).toContain(`${bad}: instances.f.upstreams[0]: must be an http:// or https:// URL`);
  });

  it('exits 0 for a good file, and flags override it', async () => {
    const good = join(dir, 'good.yaml');
    writeFileSync(good, 'instances:\n  files: {type: file, upstreams: [http://127.0.0.1:1]}\n');
    const r = await trove(['validate', '--config', good]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${good}: OK (1 instance: files)\n`);
    const flagged = await trove(['validate', '--config', good, '--max-size', 'huge']);
    expect(flagged.code).toBe(2);
    expect(flagged.err).toContain('(set by flag --max-size)');
  });

  it("accepts the Go proxies' one-dash flags and names the flag in errors", async () => {
    const ok = await trove([
      'validate',
      '-port',
      '8081',
      '-cache',
      join(dir, 'c'),
      '-upstream',
      'https://a.example|https://b.example',
      '-dns=tls://1.1.1.1',
      '-proxy',
      'socks5h://127.0.0.1:1080',
    ]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(
      /^\(embedded default\): OK \(\d+ instances?: (debian, )?fedora, arch, alpine, go, oci(, npm)?, pypi, cargo, maven\)\n$/,
    );
    const quic = await trove(['validate', '-dns', 'quic://1.1.1.1']);
    expect(quic.code).toBe(2);
    expect(quic.err).toContain(
      'upstream.dns: "quic://1.1.1.1": DNS over QUIC needs the server\'s name',
    );
    expect(quic.err).toContain('(set by flag --dns)');
  });

  it('validates the embedded default', async () => {
    const r = await trove(['validate'], { TROVE_CONFIG: '' });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\(embedded default\): OK/);
    const printed = await trove(['default-config']);
    expect(printed.out).toContain('listen: 0.0.0.0:12345');
  });
});

describe('trove serve, stats and gc', () => {
  it('still shuts down on SIGTERM when whoever read its log has gone (EPIPE)', async () => {
    const port = await freePort();
    // `trove serve | head -2`: head reads the first lines and exits, so later writes hit EPIPE.
    const shell = spawn(
      'sh',
      [
        '-c',
        `"${process.execPath}" "${MAIN}" serve --port ${port} --cache "${join(dir, 'epipe')}" | head -2 >/dev/null`,
      ],
      {
        stdio: 'ignore',
      },
    );
    await until(
      async () =>
        (await get(`http://127.0.0.1:${port}/health`).catch(() => ({ status: 0 }))).status === 200,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 600));
    const pid = Number(
      (await runCommand('pgrep', ['-P', String(shell.pid), '-f', 'main.js serve'])).out
        .trim()
        .split('\n')[0],
    );
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, 'SIGTERM');
    const gone = async (): Promise<boolean> => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    const exited = await until(gone, 10_000).then(
      () => true,
      () => false,
    );
    if (!exited) process.kill(pid, 'SIGKILL');
    expect(exited).toBe(true);
  });

  it('finishes in-flight downloads on SIGTERM and exits 0; stats and gc read the cache', async () => {
    const big = randomBytes(512 * 1024);
    const release = gate();
    up = await new FakeUpstream()
      .file('/a.bin', 'aaaa')
      .route('/slow.bin', async (_q, s) => {
        s.writeHead(200, { 'content-length': big.length });
        s.write(big.subarray(0, 1000));
        await release.wait;
        s.end(big.subarray(1000));
      })
      .start();
    const port = await freePort();
    const cache = join(dir, 'cache');
    const cfg = join(dir, 'serve.yaml');
    writeFileSync(
      cfg,
      `log:\n  level: warn\ninstances:\n  files: {type: file, upstreams: ['${up.url}'], default_policy: immutable}\n`,
    );
    const child = spawn(
      process.execPath,
      [MAIN, 'serve', '--config', cfg, '--port', String(port), '--cache', cache],
      { stdio: 'ignore' },
    );
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const base = `http://127.0.0.1:${port}`;
    await until(
      async () => (await get(`${base}/health`).catch(() => ({ status: 0 }))).status === 200,
      15_000,
    );
    // The probe a container health check runs finds the listener from the same config.
    const health = await trove(['health', '--config', cfg, '--port', String(port)]);
    expect(health.code, health.err).toBe(0);
    expect(health.out).toBe(`${base}/health: ok\n`);
    expect((await trove(['health', '--ready', '--url', base])).code).toBe(0);
    await get(`${base}/files/a.bin`);
    await get(`${base}/files/a.bin`);
    const slow = get(`${base}/files/slow.bin`);
    await until(() => up?.count('/slow.bin') === 1);
    child.kill('SIGTERM');
    setTimeout(() => release.open(), 200);
    const r = await slow;
    expect(r.complete).toBe(true);
    expect(createHash('sha256').update(r.body).digest('hex')).toBe(
      createHash('sha256').update(big).digest('hex'),
    );
    expect(await exited).toBe(0);
    const gone = await trove(['health', '--url', base]);
    expect(gone.code).toBe(1);
    expect(gone.err).toMatch(/ECONNREFUSED/);

    const stats = await trove(['stats', '--json', '--cache', cache]);
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.out) as {
      objects: number;
      bytes: number;
      instances: Array<{ instance: string; requests: Record<string, number>; hitRatio: number }>;
    };
    expect(s.objects).toBe(2);
    expect(s.bytes).toBe(4 + big.length);
    const files = s.instances.find((i) => i.instance === 'files');
    expect(files?.requests).toMatchObject({ hit: 1, miss: 2 });
    expect(files?.hitRatio).toBeCloseTo(1 / 3);

    // An orphan blob (no entry references it) is collected; referenced ones stay.
    const orphan = 'ab'.repeat(32);
    mkdirSync(join(cache, 'blobs', 'sha256', 'ab', 'ab'), { recursive: true });
    const orphanPath = join(cache, 'blobs', 'sha256', 'ab', 'ab', orphan);
    writeFileSync(orphanPath, 'nobody refers to me');
    utimesSync(orphanPath, new Date(0), new Date(0));
    const gc = await trove(['gc', '--cache', cache, '--grace', '1m']);
    expect(gc.code).toBe(0);
    expect(gc.out).toContain('found 1 unreferenced blobs; deleted 1');
    expect(existsSync(orphanPath)).toBe(false);
    const after = JSON.parse((await trove(['stats', '--json', '--cache', cache])).out) as {
      objects: number;
    };
    expect(after.objects).toBe(2);
  });
});

describe('trove token', () => {
  it('prints a new token and the access.tokens entry that holds only its sha256', async () => {
    const r = await trove(['token', 'ci-bot']);
    expect(r.code, r.err).toBe(0);
    const token = /: (trove_[A-Za-z0-9_-]{43})\n/.exec(r.out)?.[1] as string;
    expect(token).toBeDefined();
    const hash = createHash('sha256').update(token).digest('hex');
    expect(r.out).toContain(`- name: "ci-bot"\n  sha256: ${hash}\n`);
    expect((await trove(['token', 'ci-bot'])).out).not.toContain(token);
  });

  it('takes TROVE_ANONYMOUS and names the env var when its value is wrong', async () => {
    const r = await trove(['validate'], { TROVE_ANONYMOUS: 'everyone' });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /env TROVE_ANONYMOUS.*access\.anonymous|access\.anonymous.*TROVE_ANONYMOUS/,
    );
  });
});
