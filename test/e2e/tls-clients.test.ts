// Container clients against a Trove serving TLS itself (server.tls), trusting it the way their
// users do: dockerd through `registry-mirrors` with the CA in /etc/docker/certs.d/<host:port>
// (no insecure-registries), skopeo with --cert-dir. (Both speak HTTP/1.1 over TLS: their
// transports set a TLS configuration of their own, which turns off Go's HTTP/2.)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerd, type Dockerd } from '../helpers/engines.js';
import { Layout, startRegistry, type Blob, type Registry } from '../helpers/oci-fixtures.js';
import { TestCa } from '../helpers/pki.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { capturingLogger, startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools(
  'umoci',
  'skopeo',
  '/usr/sbin/dockerd',
  '/usr/bin/docker',
  '/usr/bin/docker-registry',
);

describe.skipIf(!enabled)('container clients through a TLS Trove', () => {
  let registry: Registry;
  let trove: TestTrove;
  let ca: TestCa;
  let layout: Layout;
  let image: Blob;
  let certsDir: string;
  let d: Dockerd | undefined;
  const { log, lines } = capturingLogger();

  beforeAll(async () => {
    layout = new Layout();
    image = layout.umoci('small', [['hello.txt', Buffer.from('hello over TLS\n')]]);
    registry = await startRegistry();
    await registry.push(layout, [['small', 'team/small:v1']]);
    ca = new TestCa();
    trove = await startTrove(
      {
        server: { tls: ca.files(ca.server(), 'trove') },
        instances: { oci: { type: 'oci', registries: { 'docker.io': registry.url } } },
      },
      { log },
    );
    // dockerd trusts a registry's CA from /etc/docker/certs.d/<host:port>/ca.crt.
    certsDir = join('/etc/docker/certs.d', trove.url.replace('https://', ''));
    mkdirSync(certsDir, { recursive: true });
    writeFileSync(join(certsDir, 'ca.crt'), ca.cert);
  }, 300_000);

  afterAll(async () => {
    await d?.stop();
    if (certsDir) rmSync(certsDir, { recursive: true, force: true });
    await trove?.stop();
    await registry?.stop();
    layout?.remove();
    ca?.remove();
  });

  it('skopeo copies an image over HTTPS with the CA in --cert-dir', async () => {
    const certDir = join(ca.dir, 'skopeo-certs');
    mkdirSync(certDir, { recursive: true });
    writeFileSync(join(certDir, 'ca.crt'), ca.cert);
    const host = trove.url.replace('https://', '');
    const r = await runCommand(
      'skopeo',
      [
        'inspect',
        '--cert-dir',
        certDir,
        '--format',
        '{{.Digest}}',
        `docker://${host}/team/small:v1`,
      ],
      { timeoutMs: 120_000 },
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim()).toBe(image.digest);
  }, 180_000);

  it('dockerd pulls through its TLS mirror, digest equal to the upstream', async () => {
    const manifests = (): number =>
      lines.filter((l) => String(l['url']).startsWith('/v2/team/small/manifests/')).length;
    const before = manifests();
    d = await startDockerd([trove.url]);
    const r = await d.docker('pull', 'team/small:v1');
    expect(r.code, r.err).toBe(0);
    const inspect = await d.docker(
      'image',
      'inspect',
      '--format',
      '{{json .RepoDigests}}',
      'team/small:v1',
    );
    expect(JSON.parse(inspect.out)).toEqual([`team/small@${image.digest}`]);
    // The daemon asked Trove (it has no other way to the registry).
    expect(manifests()).toBeGreaterThan(before);
  }, 300_000);
});
