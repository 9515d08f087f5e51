// Start-up recovery: temp files from a crash are removed and entries whose blob is gone are
// dropped, so they refetch instead of failing.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream, stopAfterEach } from '../helpers/fake-upstream.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let up: FakeUpstream | undefined;
let trove: TestTrove | undefined;
stopAfterEach(() => [trove, up]);

describe('start-up recovery', () => {
  it('removes temp files and drops entries whose blob is missing', async () => {
    up = await new FakeUpstream().file('/a', 'aaa').file('/b', 'bbb').start();
    const cfg = fileInstance(up.url, { default_policy: 'immutable' });
    trove = await startTrove(cfg, { keepDir: true });
    await get(`${trove.url}/files/a`);
    await get(`${trove.url}/files/b`);
    const dir = trove.dir;
    await trove.stop();

    // A crash left a temp file, and the blob of /a was lost.
    writeFileSync(join(dir, 'tmp', 'left-by-crash.part'), 'partial');
    const blobs = join(dir, 'blobs', 'sha256');
    const lost = readdirSync(blobs).map((a) => join(blobs, a));
    rmSync(lost[0] as string, { recursive: true });
    mkdirSync(lost[0] as string);

    trove = await startTrove(cfg, { dir });
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    const results = [await get(`${trove.url}/files/a`), await get(`${trove.url}/files/b`)];
    expect(results.map((r) => r.body.toString())).toEqual(['aaa', 'bbb']);
    // Exactly the object whose blob was lost went back upstream.
    expect(results.filter((r) => r.headers['x-cache'] === 'MISS')).toHaveLength(1);
    expect(up.count('/a') + up.count('/b')).toBe(3);
  });
});
