// Linux repository roots with several workers: a generation one worker publishes is what every
// worker serves, and a client that gets InRelease from one worker and an index from another (a
// new connection) gets the index of that InRelease, while the archive is republished.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AptRepo } from '../helpers/apt-repo.js';
import { get, untilServed } from '../helpers/client.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { sleep } from '../helpers/fake-upstream.js';

const INDEX = 'main/binary-amd64/Packages.xz';
let repo: AptRepo;
let trove: TestCluster;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trove-workers-repos-'));
  repo = await AptRepo.create();
  repo.build({ name: 'trove-churn', version: '1.0' });
  repo.publish('stable', { byHash: false, validFor: 86_400 });
  await repo.serve();
  trove = await startCluster(
    dir,
    `log:\n  level: warn\nstorage:\n  dir: ${join(dir, 'cache')}\ninstances:\n  debian:\n    type: deb\n    upstreams: [${repo.url}]\n    refresh_interval: 1s\n`,
    2,
  );
});

afterAll(async () => {
  await trove?.stop();
  await repo?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('repository roots across workers', () => {
  it('serves an index that matches the InRelease another worker served, through republication', async () => {
    const base = `${trove.url}/debian/dists/stable`;
    const first = repo.publish('stable', { byHash: false, validFor: 86_400 });
    await untilServed(`${base}/InRelease`, first);
    // The index becomes part of the root's set once a client has asked for it.
    await untilServed(`${base}/${INDEX}`, repo.file(`dists/stable/${INDEX}`));
    let stop = false;
    const mixes: string[] = [];
    let pairs = 0;
    // One client: clients behind one address are told apart by their connection only, and
    // this one opens a new connection for every request.
    const loop = (async () => {
      for (let i = 0; i < 600 && !stop; i++) {
        // Separate connections: the primary hands them to the workers in turn.
        const top = await get(`${base}/InRelease`);
        const index = await get(`${base}/${INDEX}`);
        if (top.status !== 200 || index.status !== 200) continue;
        pairs++;
        const hex = createHash('sha256').update(index.body).digest('hex');
        const listed = new RegExp(`${hex}\\s+${index.body.length}\\s+${INDEX}`);
        if (!listed.test(top.body.toString())) mixes.push(`pair ${pairs}: index ${hex}`);
      }
    })();
    for (let n = 1; n <= 6; n++) {
      repo.build({ name: 'trove-churn', version: `1.${n}` });
      repo.publish('stable', { byHash: false, validFor: 86_400 });
      await sleep(500);
    }
    stop = true;
    await loop;
    expect(mixes).toEqual([]);
    expect(pairs).toBeGreaterThan(20);
    // Both workers serve the last publication.
    const last = repo.file('dists/stable/InRelease');
    await untilServed(`${base}/InRelease`, last);
    for (let i = 0; i < 4; i++) expect((await get(`${base}/InRelease`)).body).toEqual(last);
  });
});
