// kill -9 under load: Trove is killed at a random moment while clients pull objects (many of
// them mid-fill), then restarted on the same directory. Every complete body any client got is
// hashed against the object's sha256; temp files must be gone after each restart; a final pass
// must serve every object byte-exact and `trove verify` must find nothing.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fetch } from '../lib/client.js';
import { corpus } from '../lib/corpus.js';
import { startOrigin } from '../lib/origin.js';
import { fmt, lanes, type Scenario } from '../lib/scenario.js';
import { MAIN, MiB, mib, sleep, startTrove, run as runCommand } from '../lib/trove.js';

export const kill9: Scenario = async ({ quick, dir }) => {
  const cycles = Number(process.env['REL_CYCLES'] ?? (quick ? 10 : 110));
  const objects = corpus(quick ? 60 : 120, 6 * MiB, 'kill9');
  const origin = await startOrigin({
    bases: ['/base/'],
    prefix: '/base/',
    objects,
    chunk: 64 * 1024,
    pauseMs: 2,
  });
  const cache = join(dir, 'cache');
  const yaml =
    `storage:\n  dir: ${cache}\n` +
    `instances:\n  files:\n    type: file\n    upstreams: ['${origin.url}/base/']\n    default_policy: immutable\n`;
  const failures: string[] = [];
  let requests = 0;
  let checked = 0;
  let bytes = 0;
  let cut = 0;
  let leftover = 0;
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let cycle = 0; cycle < cycles; cycle++) {
    const trove = await startTrove(dir, yaml);
    const tmp = readdirSync(join(cache, 'tmp'));
    if (tmp.length > 0) failures.push(`cycle ${cycle}: ${tmp.length} temp files after restart`);
    let killed = false;
    const load = lanes(
      8,
      () => killed,
      async () => {
        const obj = objects[random(objects.length)];
        if (!obj) return;
        const r = await fetch(`${trove.url}/files/${obj.name}`, { timeoutMs: 10_000 });
        requests++;
        if (!r.complete) {
          cut++;
          return;
        }
        if (r.status !== 200 || r.sha256 !== obj.sha256 || r.bytes !== obj.size) {
          failures.push(
            `cycle ${cycle}: ${obj.name} complete with status ${r.status}, ${r.bytes} bytes, sha ${r.sha256.slice(0, 12)}`,
          );
          return;
        }
        checked++;
        bytes += r.bytes;
      },
    );
    await sleep(100 + random(600));
    killed = true;
    await trove.kill9();
    await load;
    leftover += readdirSync(join(cache, 'tmp')).length;
  }
  // The final pass: everything byte-exact, then the offline check of the whole directory.
  const trove = await startTrove(dir, yaml);
  let exact = 0;
  for (const obj of objects) {
    const r = await fetch(`${trove.url}/files/${obj.name}`);
    if (r.complete && r.status === 200 && r.sha256 === obj.sha256) exact++;
    else failures.push(`final pass: ${obj.name} status ${r.status} complete ${r.complete}`);
  }
  await trove.stop();
  const verify = await runCommand(process.execPath, [MAIN, 'verify', '--cache', cache]);
  if (verify.code !== 0) failures.push(`trove verify: ${verify.out.trim()}`);
  await origin.close();
  if (origin.escapes().length) failures.push(...origin.escapes());
  return {
    name: 'kill9',
    ok: failures.length === 0,
    failures,
    line:
      `${cycles} kill -9 cycles, ${fmt(requests)} requests, ${fmt(checked)} complete bodies hashed ` +
      `(${mib(bytes)} MiB), ${failures.filter((f) => f.includes('complete with')).length} corrupt, ` +
      `${fmt(cut)} cut by a kill, ${leftover} temp files left by kills (all removed at restart), ` +
      `final pass ${exact}/${objects.length} exact, trove verify ${verify.code === 0 ? 'clean' : 'FAILED'}`,
  };
};
