// Trove's container image, built here by deploy/image/build.sh with no base image and run with
// podman (vfs, runc, host network): a non-root user, a health check, a Go module and an OCI
// image served from upstreams on loopback, and a cache that outlives its container.
import { randomBytes } from 'node:crypto';
import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { podman, type Podman } from '../helpers/engines.js';
import { freePort, until } from '../helpers/fake-upstream.js';
import type { FakeUpstream } from '../helpers/fake-upstream.js';
import { GO, goEnv, parseDownloads, serveGoModules } from '../helpers/go-fixtures.js';
import { Layout, startRegistry, type Blob, type Registry } from '../helpers/oci-fixtures.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';

const enabled = requireTools(
  'umoci',
  'podman',
  '/usr/sbin/runc',
  'skopeo',
  '/usr/bin/docker-registry',
  GO,
);
const NAME = 'trove-image-test';
const CONFIG = '/etc/trove/trove.yaml';
const CLI = ['/usr/local/bin/node', '/opt/trove/dist/cli/main.js'];

describe.skipIf(!enabled)('the container image', () => {
  let work: string;
  let p: Podman;
  let image: string;
  let size: { compressed: number; unpacked: number };
  let goUp: FakeUpstream;
  let registry: Registry;
  let layout: Layout;
  let small: Blob;
  let cache: string;
  let port: number;
  let runs = 0;

  const base = () => `http://127.0.0.1:${port}`;

  /** Starts a container on the cache volume and waits until it answers. */
  async function start(): Promise<void> {
    const r = await p.run(
      'run',
      '-d',
      '--name',
      NAME,
      '--network',
      'host',
      // This machine's limits: runc, and rlimits no higher than the runner's own.
      '--runtime',
      'runc',
      '--ulimit',
      'nofile=4096:4096',
      '--ulimit',
      'nproc=4096:4096',
      '-v',
      `${cache}:/var/cache/trove`,
      '-v',
      `${join(work, 'trove.yaml')}:${CONFIG}:ro`,
      '--health-cmd',
      JSON.stringify([...CLI, 'health', '--config', CONFIG]),
      '--health-interval',
      'disable',
      image,
      'serve',
      '--config',
      CONFIG,
    );
    expect(r.code, r.err).toBe(0);
    await until(
      async () => (await get(`${base()}/health`).catch(() => null))?.status === 200,
      30_000,
    );
  }

  async function stop(): Promise<void> {
    const s = await p.run('stop', '-t', '20', NAME);
    expect(s.code, s.err).toBe(0);
    const code = await p.run('inspect', '--format', '{{.State.ExitCode}}', NAME);
    expect(code.out.trim()).toBe('0'); // a graceful stop on SIGTERM
    await p.run('rm', NAME);
  }

  const goDownload = () =>
    runCommand(GO, ['mod', 'download', '-json', 'example.com/hello@v1.0.0'], {
      cwd: work,
      env: goEnv(join(work, 'home'), {
        GOPROXY: base(),
        GOSUMDB: 'off',
        GOMODCACHE: join(work, `modcache-${runs++}`),
      }),
      timeoutMs: 120_000,
    });

  const skopeoDigest = () =>
    runCommand(
      'skopeo',
      [
        'inspect',
        '--tls-verify=false',
        '--format',
        '{{.Digest}}',
        `docker://127.0.0.1:${port}/team/small:v1`,
      ],
      { timeoutMs: 120_000 },
    );

  beforeAll(async () => {
    // Lower case: podman names an image pulled from a layout after the layout's path.
    work = join(tmpdir(), `trove-image-${randomBytes(6).toString('hex')}`);
    mkdirSync(work);
    const built = await runCommand(
      'bash',
      ['deploy/image/build.sh', join(work, 'layout'), 'test'],
      {
        env: { SKIP_COMPILE: '1' },
        timeoutMs: 600_000,
      },
    );
    expect(built.code, built.err + built.out).toBe(0);
    const m = /(\d+) MiB compressed, (\d+) MiB unpacked/.exec(built.out);
    size = { compressed: Number(m?.[1]), unpacked: Number(m?.[2]) };
    p = podman();
    const pulled = await p.run('pull', '-q', `oci:${join(work, 'layout')}:test`);
    expect(pulled.code, pulled.err).toBe(0);
    image = pulled.out.trim().split('\n').pop() as string;

    goUp = await serveGoModules(work, [
      {
        path: 'example.com/hello',
        version: 'v1.0.0',
        files: {
          'go.mod': 'module example.com/hello\n\ngo 1.21\n',
          'hello.go': 'package hello\n\nconst Greeting = "hello from a container"\n',
        },
      },
    ]);
    layout = new Layout();
    small = layout.umoci('small', [['hello.txt', Buffer.from('hello from the image test\n')]]);
    registry = await startRegistry();
    await registry.push(layout, [['small', 'team/small:v1']]);

    cache = join(work, 'cache');
    mkdirSync(cache);
    chownSync(cache, 10001, 10001); // the image's trove user owns its volume
    port = await freePort();
    writeFileSync(
      join(work, 'trove.yaml'),
      [
        'server:',
        `  listen: 127.0.0.1:${port}`,
        '  workers: 2',
        'instances:',
        `  go: { type: go, upstreams: "${goUp.url}", sumdb: [], verify: false }`,
        `  oci: { type: oci, registries: { docker.io: "${registry.url}" } }`,
        '',
      ].join('\n'),
    );
    await start();
  }, 900_000);

  afterAll(async () => {
    await p?.run('rm', '-f', '-t', '5', NAME);
    p?.remove();
    await goUp?.stop();
    await registry?.stop();
    layout?.remove();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('is small, runs as a non-root user, and its health check passes', async () => {
    console.log(`image size: ${size.compressed} MiB compressed, ${size.unpacked} MiB unpacked`);
    expect(size.compressed).toBeGreaterThan(0);
    expect(size.compressed).toBeLessThan(100);
    const config = await p.run('image', 'inspect', '--format', '{{json .Config}}', image);
    const c = JSON.parse(config.out) as { User: string; Volumes: Record<string, unknown> };
    expect(c.User).toBe('10001:10001');
    expect(Object.keys(c.Volumes)).toEqual(['/var/cache/trove']);
    const pid = (await p.run('inspect', '--format', '{{.State.Pid}}', NAME)).out.trim();
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Uid:\s+10001\s/m);
    const health = await p.run('healthcheck', 'run', NAME);
    expect(health.code, health.err + health.out).toBe(0);
  });

  it('serves a Go module and an OCI image from upstreams on loopback', async () => {
    const go = await goDownload();
    expect(go.code, go.err + go.out).toBe(0);
    expect(parseDownloads(go.out)[0]?.Sum).toMatch(/^h1:/);
    const oci = await skopeoDigest();
    expect(oci.code, oci.err).toBe(0);
    expect(oci.out.trim()).toBe(small.digest);
    const manifest = JSON.parse(layout.read(small.digest).toString()) as {
      layers: Array<{ digest: string; size: number }>;
    };
    const first = manifest.layers[0] as { digest: string; size: number };
    const layer = await get(`${base()}/v2/team/small/blobs/${first.digest}`);
    expect(layer.status).toBe(200);
    expect(layer.body.length).toBe(first.size);
  });

  it('keeps its cache in the volume: a new container serves it with the upstreams stopped', async () => {
    await stop();
    await goUp.stop();
    await registry.stop();
    await start();
    const go = await goDownload();
    expect(go.code, go.err + go.out).toBe(0);
    const oci = await skopeoDigest();
    expect(oci.code, oci.err).toBe(0);
    expect(oci.out.trim()).toBe(small.digest);
  });
});
