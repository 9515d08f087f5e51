// skopeo through Trove's registry mirror, against a real docker-registry (distribution 2.8) on
// loopback: path-namespace routing, the default registry with library/ normalization, ?ns=,
// manifests by tag and digest, multi-arch indexes, blobs, and pulls with the upstream stopped.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { freePort } from '../helpers/fake-upstream.js';
import { startConnectProxy } from '../helpers/net-fixtures.js';
import { Layout, startRegistry, type Blob, type Registry } from '../helpers/oci-fixtures.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools('skopeo', 'oras', '/usr/bin/docker-registry', 'tar');
const REG = 'registry.trove.test';
const DOMAIN = 'mirror.test';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

describe.skipIf(!enabled)('skopeo through Trove', () => {
  let layout: Layout;
  let registry: Registry;
  let trove: TestTrove;
  let host: string;
  let app: Blob;
  let index: Blob;
  let payload: Blob;
  let ownPort: number;

  const skopeo = (...args: string[]) => runCommand('skopeo', args, { timeoutMs: 120_000 });
  const inspect = async (ref: string): Promise<{ Digest: string }> => {
    const r = await skopeo('inspect', '--tls-verify=false', '--raw', `docker://${ref}`);
    expect(r.code, r.err).toBe(0);
    const d = await skopeo(
      'inspect',
      '--tls-verify=false',
      '--format',
      '{{.Digest}}',
      `docker://${ref}`,
    );
    return { Digest: d.out.trim() };
  };

  /** skopeo copy --all of a ref through Trove into a fresh layout; its index.json's first digest. */
  const copyOut = async (ref: string): Promise<{ dir: string; digest: string | undefined }> => {
    const dir = mkdtempSync(join(tmpdir(), 'trove-oci-out-'));
    const r = await skopeo(
      'copy',
      '--all',
      '--src-tls-verify=false',
      `docker://${ref}`,
      `oci:${dir}:x`,
    );
    expect(r.code, r.err).toBe(0);
    const copied = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
      manifests: Blob[];
    };
    return { dir, digest: copied.manifests[0]?.digest };
  };

  beforeAll(async () => {
    layout = new Layout();
    const big = layout.layer('payload.bin', randomBytes(3 * 1024 * 1024));
    payload = big.blob;
    app = layout.image('amd64', [big, layout.layer('hello.txt', Buffer.from('hello\n'))]);
    layout.tag('app-v1', [{ blob: app }]);
    const arm = layout.image('arm64', [layout.layer('hello.txt', Buffer.from('hello arm\n'))]);
    layout.tag('multi', [
      { blob: app, arch: 'amd64' },
      { blob: arm, arch: 'arm64' },
    ]);
    index = layout.tagged('multi');
    registry = await startRegistry();
    await registry.push(layout, [
      ['app-v1', 'team/app:v1'],
      ['multi', 'library/alpine:3'],
    ]);
    ownPort = await freePort();
    trove = await startTrove({
      instances: {
        oci: {
          type: 'oci',
          registries: { [REG]: registry.url, 'docker.io': registry.url },
          custom_domain: DOMAIN,
          host_routes: { private: REG },
        },
        // A dedicated listener whose bare names go to REG.
        corp: {
          type: 'oci',
          path: '/corp',
          registries: { [REG]: registry.url },
          default_registry: REG,
          bind: `127.0.0.1:${ownPort}`,
        },
      },
    });
    host = trove.url.replace('http://', '');
  }, 120_000);

  afterAll(async () => {
    await trove?.stop();
    await registry?.stop();
  });

  it('inspects by tag through the path namespace, with the upstream digest', async () => {
    expect(await inspect(`${host}/${REG}/team/app:v1`)).toEqual({ Digest: app.digest });
    const byDigest = await inspect(`${host}/${REG}/team/app@${app.digest}`);
    expect(byDigest.Digest).toBe(app.digest);
  });

  it('copies a multi-arch image from the default registry (library/ added), digests equal', async () => {
    const out = await copyOut(`${host}/alpine:3`);
    expect(out.digest).toBe(index.digest);
    const blob = readFileSync(join(out.dir, 'blobs', 'sha256', app.digest.slice(7)));
    expect(blob.equals(layout.read(app.digest))).toBe(true);
  });

  it('routes by Host under custom_domain, and on a dedicated listener', async () => {
    const port = trove.url.split(':').pop() as string;
    // skopeo reaches the routed names through an HTTP proxy that knows them (no DNS needed);
    // the Host header it sends is what Trove routes by.
    const names = ['docker', 'registry.docker', 'private', 'nowhere'].map((n) => `${n}.${DOMAIN}`);
    const proxy = await startConnectProxy(Object.fromEntries(names.map((n) => [n, '127.0.0.1'])));
    const routed = (ref: string) =>
      runCommand(
        'skopeo',
        ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`],
        { timeoutMs: 120_000, env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } },
      );
    for (const [ref, digest] of [
      [`docker.${DOMAIN}:${port}/alpine:3`, index.digest], // cloudflare-docker-proxy's docker.
      [`registry.docker.${DOMAIN}:${port}/alpine:3`, index.digest], // go-docker-proxy's scheme
      [`private.${DOMAIN}:${port}/team/app:v1`, app.digest], // host_routes
      [`127.0.0.1:${ownPort}/team/app:v1`, app.digest], // the corp instance's own listener
    ] as const) {
      const r = await routed(ref);
      expect(r.code, `${ref}: ${r.err}`).toBe(0);
      expect(r.out.trim(), ref).toBe(digest);
    }
    const unknown = await routed(`nowhere.${DOMAIN}:${port}/team/app:v1`);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toMatch(/no registry is routed for host nowhere\.mirror\.test/);
    expect(proxy.targets).toContain(`docker.${DOMAIN}:${port}`);
    await proxy.stop();
  });

  it('answers ?ns= (containerd mirrors) and sends the required headers, on GET and HEAD', async () => {
    for (const method of ['GET', 'HEAD']) {
      const r = await get(`${trove.url}/v2/team/app/manifests/v1?ns=${REG}`, {
        method,
        headers: { accept: `${OCI_MANIFEST}, ${OCI_INDEX}` },
      });
      expect(r.status).toBe(200);
      expect(r.headers['docker-content-digest']).toBe(app.digest);
      expect(r.headers['content-type']).toBe(OCI_MANIFEST);
      expect(Number(r.headers['content-length'])).toBe(app.size);
    }
    const blob = await get(`${trove.url}/v2/${REG}/team/app/blobs/${payload.digest}`, {
      method: 'HEAD',
    });
    expect([
      blob.status,
      blob.headers['docker-content-digest'],
      blob.headers['content-length'],
      blob.headers['content-type'],
    ]).toEqual([200, payload.digest, String(payload.size), 'application/octet-stream']);
  });

  it('refuses pushes with the registry error format', async () => {
    const r = await get(`${trove.url}/v2/${REG}/team/app/blobs/uploads/`, { method: 'POST' });
    expect(r.status).toBe(405);
    expect(JSON.parse(r.body.toString()).errors[0].code).toBe('UNSUPPORTED');
    const push = await skopeo(
      'copy',
      '--dest-tls-verify=false',
      `oci:${layout.dir}:app-v1`,
      `docker://${host}/${REG}/team/pushed:v1`,
    );
    expect(push.code).not.toBe(0);
  });

  it('lists tags through Trove', async () => {
    const r = await get(`${trove.url}/v2/${REG}/team/app/tags/list`);
    expect(JSON.parse(r.body.toString())).toEqual({ name: 'team/app', tags: ['v1'] });
  });

  it('pulls an OCI artifact with oras, and discovers its referrers through the fallback tag', async () => {
    const src = mkdtempSync(join(tmpdir(), 'trove-oras-'));
    writeFileSync(join(src, 'notes.txt'), 'artifact payload\n');
    writeFileSync(join(src, 'sbom.json'), '{"sbom":true}\n');
    const oras = (...args: string[]) => runCommand('oras', args, { cwd: src, timeoutMs: 60_000 });
    const up = `${registry.host}/team/artifact:v1`;
    const pushed = await oras(
      'push',
      '--plain-http',
      '--artifact-type',
      'application/vnd.example.notes',
      up,
      'notes.txt:text/plain',
    );
    expect(pushed.code, pushed.err).toBe(0);
    // docker-registry 2.8 has no referrers API: oras attaches with the sha256-<hex> tag schema.
    const attached = await oras(
      'attach',
      '--plain-http',
      '--artifact-type',
      'application/vnd.example.sbom',
      up,
      'sbom.json:application/json',
    );
    expect(attached.code, attached.err).toBe(0);
    const out = mkdtempSync(join(tmpdir(), 'trove-oras-out-'));
    const pulled = await oras('pull', '--plain-http', '-o', out, `${host}/${REG}/team/artifact:v1`);
    expect(pulled.code, pulled.err).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('artifact payload\n');
    const found = await oras(
      'discover',
      '--plain-http',
      '-o',
      'json',
      '--artifact-type',
      'application/vnd.example.sbom',
      `${host}/${REG}/team/artifact:v1`,
    );
    expect(found.code, found.err).toBe(0);
    const listed = JSON.parse(found.out) as {
      manifests?: Array<{ artifactType: string }>;
      referrers?: Array<{ artifactType: string }>;
    };
    const refs = listed.manifests ?? listed.referrers ?? [];
    expect(refs.map((m) => m.artifactType)).toEqual(['application/vnd.example.sbom']);
  });

  it('keeps pulling by tag and by digest with the upstream stopped', async () => {
    await registry.stop();
    expect(await inspect(`${host}/${REG}/team/app:v1`)).toEqual({ Digest: app.digest });
    expect(await inspect(`${host}/${REG}/team/app@${app.digest}`)).toEqual({ Digest: app.digest });
    expect((await copyOut(`${host}/alpine:3`)).digest).toBe(index.digest);
  });
});
