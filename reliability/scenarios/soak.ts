// A soak: mixed traffic for a while (hits, misses that churn a small max_size, 404s, ranges,
// HEADs, conditional requests) with Trove's RSS sampled every second. Every complete 200 is
// checked against its object's sha256; the RSS curve must level off.
import { join } from 'node:path';
import { fetch } from '../lib/client.js';
import { corpus } from '../lib/corpus.js';
import { startOrigin } from '../lib/origin.js';
import { Rng } from '../lib/rng.js';
import { fmt, lanes, type Scenario } from '../lib/scenario.js';
import { MiB, mib, rss, startTrove } from '../lib/trove.js';

export const soak: Scenario = async ({ quick, dir }) => {
  const seconds = Number(process.env['REL_SOAK_SECONDS'] ?? (quick ? 20 : 600));
  const objects = corpus(300, 2 * MiB, 'soak');
  const origin = await startOrigin({ bases: ['/base/'], prefix: '/base/', objects });
  const trove = await startTrove(
    dir,
    `storage:\n  dir: ${join(dir, 'cache')}\n  max_size: 96MiB\ninstances:\n  files:\n    type: file\n    upstreams: ['${origin.url}/base/']\n    default_policy: immutable\n    negative_ttl: 2s\n`,
  );
  const pid = trove.child.pid ?? 0;
  const rng = new Rng(99);
  const failures: string[] = [];
  const samples: number[] = [];
  let requests = 0;
  let errors = 0;
  let bytes = 0;
  const sampler = setInterval(() => samples.push(rss(pid)), 1000);
  const end = Date.now() + seconds * 1000;
  await lanes(
    16,
    () => Date.now() > end || trove.crashed() !== null,
    async () => {
      const roll = rng.int(100);
      // Mostly a hot set, sometimes anything (misses and evictions), sometimes nothing (404).
      const obj = roll < 70 ? objects[rng.int(40)] : objects[rng.int(objects.length)];
      if (!obj) return;
      const url =
        roll >= 97 ? `${trove.url}/files/missing-${rng.int(50)}` : `${trove.url}/files/${obj.name}`;
      const range = roll >= 90 && roll < 95 ? `bytes=${rng.int(obj.size)}-` : undefined;
      const r = await fetch(url, {
        method: roll >= 95 && roll < 97 ? 'HEAD' : 'GET',
        ...(range ? { headers: { range } } : {}),
        timeoutMs: 30_000,
      });
      requests++;
      bytes += r.bytes;
      const expected =
        roll >= 97
          ? r.status === 404
          : range
            ? r.status === 206 && r.complete
            : r.status === 200 && r.complete;
      const exact = roll >= 90 || r.sha256 === obj.sha256;
      if (!expected || !exact) {
        errors++;
        if (failures.length < 10)
          failures.push(`${url} (${range ?? 'full'}): status ${r.status}, complete ${r.complete}`);
      }
    },
  );
  clearInterval(sampler);
  const crashed = trove.crashed();
  if (crashed) failures.push(`Trove ${crashed}`);
  await trove.stop();
  await origin.close();
  const step = Math.max(1, Math.floor(samples.length / 10));
  const curve = samples.filter((_, i) => i % step === 0);
  const peak = Math.max(...samples, 0);
  return {
    name: 'soak',
    ok: failures.length === 0,
    failures,
    line:
      `${seconds} s of mixed traffic: ${fmt(requests)} requests (${mib(bytes)} MiB), ${errors} errors; ` +
      `RSS start ${mib(samples[0] ?? 0)}, peak ${mib(peak)}, end ${mib(samples[samples.length - 1] ?? 0)} MiB; ` +
      `curve ${curve.map(mib).join(' ')} MiB`,
  };
};
