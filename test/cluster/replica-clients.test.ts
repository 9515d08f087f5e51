// Real clients through two replicas sharing one PostgreSQL index and one RGW bucket, taking
// turns: the go command and skopeo fetch through replica A, then through replica B with the
// upstream stopped (so every byte comes from what A stored), then through A again. Replica B
// redirects skopeo's large layer to the bucket (a presigned URL).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GO,
  addModule,
  buildGofixture,
  goEnv,
  goSumLines,
  parseDownloads,
  startSumdb,
} from '../helpers/go-fixtures.js';
import { Layout, startRegistry } from '../helpers/oci-fixtures.js';
import { requirePostgres } from '../helpers/postgres.js';
import { ReplicaSet } from '../helpers/replica-set.js';
import { requireRgw } from '../helpers/rgw.js';
import { runCommand } from '../helpers/run.js';
import { serveDirectory } from '../helpers/static-server.js';
import { requireTools } from '../helpers/tools.js';

const enabled =
  requirePostgres() && requireRgw() && requireTools(GO, 'skopeo', '/usr/bin/docker-registry');
const REG = 'registry.trove.test';
const SUMDB = 'sum.trove.test';

describe.skipIf(!enabled)('real clients through two replicas in turn', () => {
  const set = new ReplicaSet();
  let work: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'trove-replica-clients-'));
    await set.start();
  }, 300_000);
  afterAll(async () => {
    await set.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('go mod download through A, then through B with the upstream stopped, then A again', async () => {
    const tool = await buildGofixture(work);
    const tree = join(work, 'proxy');
    const hashes = await addModule(tool, work, tree, 'example.com/turns', 'v1.0.0', {
      'go.mod': 'module example.com/turns\n\ngo 1.21\n',
      'turns.go': 'package turns\n\nfunc Name() string { return "turns" }\n',
    });
    const gosum = join(work, 'go.sum.all');
    writeFileSync(gosum, `${goSumLines('example.com/turns', 'v1.0.0', hashes).join('\n')}\n`);
    const sumdb = await startSumdb(tool, SUMDB, gosum);
    const up = await serveDirectory(tree);
    const storage = await set.storage();
    // Replica A verifies the zip against the checksum database when it fills it.
    const sumdbs = [{ name: SUMDB, url: sumdb.url, key: sumdb.vkey }];
    const config = { instances: { go: { type: 'go', upstreams: up.url, sumdb: sumdbs } } };
    const a = await set.replica(config, storage);
    const b = await set.replica(config, storage);
    let n = 0;
    const download = (proxy: string) =>
      runCommand(GO, ['mod', 'download', '-json', 'example.com/turns@v1.0.0'], {
        cwd: work,
        env: goEnv(join(work, 'home'), {
          GOPROXY: proxy,
          GOSUMDB: 'off',
          GOMODCACHE: join(work, `modcache-${n++}`),
        }),
        timeoutMs: 120_000,
      });
    const first = await download(a.url);
    expect(first.code, first.err + first.out).toBe(0);
    const sum = parseDownloads(first.out)[0]?.Sum;
    expect(sum).toMatch(/^h1:/);
    expect(up.requests.length).toBeGreaterThan(0);
    await up.stop();
    await sumdb.stop();
    const viaB = await download(b.url);
    expect(viaB.code, viaB.err + viaB.out).toBe(0);
    expect(parseDownloads(viaB.out)[0]?.Sum).toBe(sum);
    const again = await download(a.url);
    expect(again.code, again.err + again.out).toBe(0);
    expect(parseDownloads(again.out)[0]?.Sum).toBe(sum);
    expect(sum).toBe(hashes.zip);
  }, 400_000);

  it('skopeo copy through A, then through B with the registry stopped, then A again', async () => {
    const layout = new Layout();
    const payload = layout.layer('payload.bin', randomBytes(2 * 1024 * 1024));
    const image = layout.image('amd64', [
      payload,
      layout.layer('hello.txt', Buffer.from('hello from a replica\n')),
    ]);
    layout.tag('v1', [{ blob: image }]);
    const registry = await startRegistry();
    await registry.push(layout, [['v1', 'team/app:v1']]);
    const storage = await set.storage();
    const config = { instances: { oci: { type: 'oci', registries: { [REG]: registry.url } } } };
    const a = await set.replica(config, storage);
    // Replica B sends skopeo to the bucket for the 2 MiB layer (a presigned redirect).
    const redirect = { redirect: { min_size: '1MiB', expires: '1m' } };
    const b = await set.replica(config, {
      ...storage,
      blobs: { ...(storage['blobs'] as object), ...redirect },
    });
    const copy = async (url: string): Promise<string | undefined> => {
      const dir = mkdtempSync(join(work, 'oci-out-'));
      const ref = `${new URL(url).host}/${REG}/team/app:v1`;
      const r = await runCommand(
        'skopeo',
        ['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${dir}:x`],
        { timeoutMs: 120_000 },
      );
      expect(r.code, r.err).toBe(0);
      const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as {
        manifests: Array<{ digest: string }>;
      };
      return index.manifests[0]?.digest;
    };
    const first = await copy(a.url);
    expect(first).toBe(image.digest);
    await registry.stop();
    expect(await copy(b.url)).toBe(first);
    const blobUrl = `${b.url}/v2/${REG}/team/app/blobs/${payload.blob.digest}`;
    expect((await fetch(blobUrl, { redirect: 'manual' })).status).toBe(307);
    expect(await copy(a.url)).toBe(first);
  }, 300_000);
});
