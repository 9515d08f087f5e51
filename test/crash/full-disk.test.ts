// A full disk: a fill that runs out of space is discarded whole, the client sees a cut body,
// what was cached stays intact, and caching resumes once space is back. The storage directory
// is a small tmpfs mounted for the test (root only; CI runs as root).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

const mountPoint = mkdtempSync(join(tmpdir(), 'trove-fulldisk-'));
const mounted =
  spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mountPoint]).status === 0;
if (!mounted) {
  const msg = 'cannot mount a tmpfs (needs root) for the full-disk test';
  if (process.env['CI'] === 'true') throw new Error(msg);
  console.warn(`\n!!! SKIPPING: ${msg}\n`);
}

describe.skipIf(!mounted)('full disk', () => {
  let up: FakeUpstream;
  let trove: TestTrove;
  const small = randomBytes(200 * 1024);
  const huge = randomBytes(12 * 1024 * 1024);

  beforeAll(async () => {
    up = await new FakeUpstream()
      .file('/small', small)
      .file('/small2', small.subarray(1000))
      .file('/huge', huge)
      .start();
    trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }), {
      dir: mountPoint,
    });
  });

  afterAll(async () => {
    await trove?.stop();
    await up?.stop();
    spawnSync('umount', [mountPoint]);
    // A mount namespace another process made meanwhile may still hold a copy of the mount for a
    // moment (EBUSY): rmSync retries those, bounded.
    rmSync(mountPoint, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });

  it('discards the fill, keeps what was cached, and recovers when space is back', async () => {
    expect((await get(`${trove.url}/files/small`)).body.equals(small)).toBe(true);

    const r = await get(`${trove.url}/files/huge`);
    expect(r.complete && r.body.equals(huge)).toBe(false);
    expect(readdirSync(join(mountPoint, 'tmp'))).toEqual([]);
    const metrics = (await get(`${trove.url}/metrics`)).body.toString();
    expect(metrics).toMatch(
      /trove_upstream_errors_total\{instance="files",code="TROVE_ERR_STORAGE_FULL"\} 1/,
    );

    const again = await get(`${trove.url}/files/small`);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(again.body.equals(small)).toBe(true);

    const fresh = await get(`${trove.url}/files/small2`);
    expect(fresh.status).toBe(200);
    expect(fresh.body.equals(small.subarray(1000))).toBe(true);
    expect((await get(`${trove.url}/files/small2`)).headers['x-cache']).toBe('HIT');
    expect((await get(`${trove.url}/health`)).status).toBe(200);
  });
});
