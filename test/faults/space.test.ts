// A burst of concurrent misses larger than the free space: each fill reserves its length before
// its first byte, so the ones that fit are cached whole and the others are refused at once with
// 507 TROVE_ERR_STORAGE_FULL (not cut halfway, and not all of them failing together).
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { gate, managedUpstreams, stopAfterEach, until } from '../helpers/fake-upstream.js';
import { canMount, tmpfs } from '../helpers/mounts.js';
import { fileInstance, startTrove, type TestTrove } from '../helpers/trove.js';

let trove: TestTrove | undefined;
stopAfterEach(() => [trove]);
const upstream = managedUpstreams();

describe.skipIf(!canMount)('space for concurrent fills', () => {
  it('30 concurrent 1 MiB misses on 8 MiB: those that fit are cached, the rest get 507 at once', async () => {
    const fs = tmpfs('8m');
    try {
      const open = gate();
      let asked = 0;
      const bodies = Array.from({ length: 30 }, () => randomBytes(1024 * 1024));
      const up = await upstream((u) => {
        bodies.forEach((body, i) =>
          u.route(`/f${i}`, async (_req, res) => {
            asked++;
            res.writeHead(200, { 'content-length': body.length });
            await open.wait;
            res.end(body);
          }),
        );
        return u;
      });
      trove = await startTrove(fileInstance(up.url, { default_policy: 'immutable' }), {
        dir: fs.dir,
      });
      const url = trove.url;
      const answers = bodies.map((_, i) => get(`${url}/files/f${i}`));
      await until(() => asked === 30, 10_000);
      open.open();
      const got = await Promise.all(answers);
      const ok = got.flatMap((r, i) => (r.status === 200 ? [i] : []));
      const refused = got.filter((r) => r.status === 507);
      expect(ok.length).toBeGreaterThanOrEqual(4);
      expect(ok.length + refused.length).toBe(30);
      expect(refused.every((r) => r.headers['x-trove-error'] === 'TROVE_ERR_STORAGE_FULL')).toBe(
        true,
      );
      for (const i of ok) {
        expect(got[i]?.complete && got[i]?.body.equals(bodies[i] as Buffer)).toBe(true);
        const hit = await get(`${url}/files/f${i}`);
        expect([hit.headers['x-cache'], hit.body.equals(bodies[i] as Buffer)]).toEqual([
          'HIT',
          true,
        ]);
      }
      expect(readdirSync(join(fs.dir, 'tmp'))).toEqual([]);
    } finally {
      await trove?.stop();
      trove = undefined;
      fs.release();
    }
  });
});
