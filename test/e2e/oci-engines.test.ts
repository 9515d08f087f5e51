// Real container engines through Trove, against a real docker-registry 2.8 holding images built
// with umoci: an image with one layer over 100 MiB and a multi-arch index. podman pulls through
// the path namespace and the default registry; containerd pulls through a hosts.toml mirror,
// which Trove routes by the ?ns= containerd adds; dockerd pulls Docker Hub names through its
// `registry-mirrors` pointing at Trove (the daemon has no other way to reach the registry).
// Digests must equal the upstream's, and cached pulls must work with the registry stopped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  podman,
  startContainerd,
  startDockerd,
  type Containerd,
  type Dockerd,
  type Podman,
} from '../helpers/engines.js';
import { Layout, startRegistry, type Blob, type Registry } from '../helpers/oci-fixtures.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

const enabled = requireTools(
  'umoci',
  'skopeo',
  'podman',
  '/usr/sbin/dockerd',
  '/usr/bin/docker',
  '/usr/bin/docker-registry',
  '/usr/bin/containerd',
  'ctr',
);
const REG = 'registry.trove.test';
const MiB = 1024 * 1024;

describe.skipIf(!enabled)('container engines through Trove', () => {
  let registry: Registry;
  let trove: TestTrove;
  let host: string;
  let big: Blob;
  let index: Blob;
  let layout: Layout;

  beforeAll(async () => {
    layout = new Layout();
    big = layout.umoci('big', [
      ['payload.bin', 110 * MiB],
      ['hello.txt', Buffer.from('hello from umoci\n')],
    ]);
    const arm = layout.umoci('arm', [['hello.txt', Buffer.from('hello arm\n')]], 'arm64');
    const small = layout.umoci('small', [['hello.txt', Buffer.from('hello amd64\n')]]);
    layout.tag('multi', [
      { blob: small, arch: 'amd64' },
      { blob: arm, arch: 'arm64' },
    ]);
    index = layout.tagged('multi');
    registry = await startRegistry();
    await registry.push(layout, [
      ['big', 'team/big:v1'],
      ['multi', 'library/multi:1'],
    ]);
    trove = await startTrove({
      instances: {
        oci: { type: 'oci', registries: { [REG]: registry.url, 'docker.io': registry.url } },
      },
    });
    host = trove.url.replace('http://', '');
  }, 600_000);

  afterAll(async () => {
    await trove?.stop();
    await registry?.stop();
    layout?.remove();
  });

  describe('podman (vfs)', () => {
    let p: Podman;
    const digests = async (ref: string): Promise<string> => {
      const r = await p.run('image', 'inspect', '--format', '{{.Digest}} {{.RepoDigests}}', ref);
      expect(r.code, r.err).toBe(0);
      return r.out;
    };

    beforeAll(() => {
      p = podman();
    });

    afterAll(() => p?.remove());

    it('pulls the 110 MiB image through the path namespace, digest equal to the upstream', async () => {
      const ref = `${host}/${REG}/team/big:v1`;
      const r = await p.run('pull', '--tls-verify=false', ref);
      expect(r.code, r.err).toBe(0);
      expect(await digests(ref)).toContain(big.digest);
    }, 300_000);

    it('pulls the amd64 image of a multi-arch index from the default registry', async () => {
      const ref = `${host}/multi:1`;
      const r = await p.run('pull', '--tls-verify=false', '--arch', 'amd64', ref);
      expect(r.code, r.err).toBe(0);
      expect(await digests(ref)).toContain(index.digest);
    }, 300_000);
  });

  describe('containerd (ctr with a hosts.toml mirror, which sends ?ns=)', () => {
    let c: Containerd;
    let nsOnly: TestTrove;

    beforeAll(async () => {
      c = await startContainerd();
      // Only ?ns= can reach the registry here: a name without it goes to a closed port.
      nsOnly = await startTrove({
        instances: {
          oci: {
            type: 'oci',
            registries: { [REG]: registry.url, 'docker.io': 'http://127.0.0.1:9' },
          },
        },
      });
    }, 120_000);

    afterAll(async () => {
      await nsOnly?.stop();
      await c?.stop();
    });

    it('pulls through Trove as a mirror, routed by ?ns=, digest equal to the upstream', async () => {
      const hosts = c.mirror(REG, nsOnly.url);
      const ref = `${REG}/team/big:v1`;
      const r = await c.ctr('images', 'pull', '--hosts-dir', hosts, ref);
      expect(r.code, r.err).toBe(0);
      const listed = await c.ctr('images', 'list');
      expect(listed.out).toContain(ref);
      expect(listed.out).toContain(big.digest);
    }, 300_000);
  });

  describe('docker (registry-mirrors)', () => {
    let d: Dockerd;

    beforeAll(async () => {
      d = await startDockerd([trove.url]);
    }, 120_000);

    afterAll(async () => {
      await d?.stop();
    });

    const repoDigests = async (ref: string): Promise<string[]> => {
      const r = await d.docker('image', 'inspect', '--format', '{{json .RepoDigests}}', ref);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as string[];
    };

    it('pulls a Docker Hub name through the mirror, digest equal to the upstream', async () => {
      const r = await d.docker('pull', 'team/big:v1');
      expect(r.code, r.err).toBe(0);
      expect(await repoDigests('team/big:v1')).toEqual([`team/big@${big.digest}`]);
    }, 300_000);

    it('pulls an official-image name (library/ added) of a multi-arch index', async () => {
      const r = await d.docker('pull', 'multi:1');
      expect(r.code, r.err).toBe(0);
      expect(await repoDigests('multi:1')).toEqual([`multi@${index.digest}`]);
    }, 300_000);

    it('pulls again from Trove alone once the registry is stopped', async () => {
      await registry.stop();
      for (const ref of ['team/big:v1', 'multi:1']) {
        expect((await d.docker('rmi', ref)).code).toBe(0);
        const r = await d.docker('pull', ref);
        expect(r.code, `${ref}: ${r.err}`).toBe(0);
      }
      expect(await repoDigests('team/big:v1')).toEqual([`team/big@${big.digest}`]);
      const p = podman();
      const pulled = await p.run(
        'pull',
        '--tls-verify=false',
        `${host}/${REG}/team/big@${big.digest}`,
      );
      p.remove();
      expect(pulled.code, pulled.err).toBe(0);
    }, 300_000);
  });

  describe('four clients in turns, the registry stopped after the first', () => {
    let own: Registry;
    let shared: TestTrove;
    let c: Containerd | undefined;
    let d: Dockerd | undefined;
    let p: Podman | undefined;

    beforeAll(async () => {
      own = await startRegistry();
      await own.push(layout, [['small', 'team/turns:v1']]);
      shared = await startTrove({
        instances: { oci: { type: 'oci', registries: { 'docker.io': own.url } } },
      });
    }, 300_000);

    afterAll(async () => {
      p?.remove();
      await d?.stop();
      await c?.stop();
      await shared?.stop();
      await own?.stop();
    });

    it('serves the tag skopeo pulled to podman, containerd and docker from the cache', async () => {
      const at = shared.url.replace('http://', '');
      const copied = mkdtempSync(join(tmpdir(), 'trove-turns-'));
      const first = await runCommand(
        'skopeo',
        ['copy', '--src-tls-verify=false', `docker://${at}/team/turns:v1`, `dir:${copied}`],
        { timeoutMs: 120_000 },
      );
      rmSync(copied, { recursive: true, force: true });
      expect(first.code, first.err).toBe(0);
      await own.stop();
      p = podman();
      const pulled = await p.run('pull', '--tls-verify=false', `${at}/team/turns:v1`);
      expect(pulled.code, pulled.err).toBe(0);
      c = await startContainerd();
      const hosts = c.mirror('docker.io', shared.url);
      const ctr = await c.ctr('images', 'pull', '--hosts-dir', hosts, 'docker.io/team/turns:v1');
      expect(ctr.code, ctr.err).toBe(0);
      d = await startDockerd([shared.url]);
      const docker = await d.docker('pull', 'team/turns:v1');
      expect(docker.code, docker.err).toBe(0);
    }, 600_000);
  });
});
