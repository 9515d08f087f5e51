// A full disk: the storage directory is a 48 MiB tmpfs, and 40 clients ask at once for 4 MiB
// objects that cannot all fit. Each fill reserves its length first: those that fit are cached
// whole, the rest are refused at once (507). Nothing partial is kept, no temp file is left, and
// once space is freed the refused objects are cached too.
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetch } from '../lib/client.js';
import { corpus } from '../lib/corpus.js';
import { mountTmpfs } from '../lib/mount.js';
import { startOrigin } from '../lib/origin.js';
import { type Scenario } from '../lib/scenario.js';
import { MAIN, MiB, startTrove, run } from '../lib/trove.js';

export const fulldisk: Scenario = async ({ dir }) => {
  const disk = join(dir, 'disk');
  const release = mountTmpfs(disk, '48m');
  if (!release) {
    return {
      name: 'fulldisk',
      ok: true,
      failures: [],
      line: 'skipped: cannot mount a tmpfs (needs root)',
    };
  }
  const failures: string[] = [];
  try {
    const distinct = corpus(40, 4 * MiB, 'full', 4 * MiB);
    const origin = await startOrigin({
      bases: ['/base/'],
      prefix: '/base/',
      objects: distinct,
      chunk: 256 * 1024,
      pauseMs: 5,
    });
    const filler = join(disk, 'filler');
    writeFileSync(filler, Buffer.alloc(16 * MiB));
    const trove = await startTrove(
      dir,
      `storage:\n  dir: ${disk}/cache\ninstances:\n  files:\n    type: file\n    upstreams: ['${origin.url}/base/']\n    default_policy: immutable\n`,
    );
    const first = await Promise.all(distinct.map((o) => fetch(`${trove.url}/files/${o.name}`)));
    let whole = 0;
    let refused = 0;
    let other = 0;
    first.forEach((r, i) => {
      if (r.status === 200 && r.complete && r.sha256 === distinct[i]?.sha256) whole++;
      else if (r.status === 507) refused++;
      else other++;
    });
    const tmpLeft = readdirSync(join(disk, 'cache', 'tmp')).length;
    if (tmpLeft) failures.push(`${tmpLeft} temp files left`);
    let hits = 0;
    for (const [i, o] of distinct.entries()) {
      if (first[i]?.status !== 200) continue;
      const r = await fetch(`${trove.url}/files/${o.name}`);
      if (r.headers['x-cache'] === 'HIT' && r.sha256 === o.sha256) hits++;
      else failures.push(`${o.name} served whole at first but not a good hit after`);
    }
    rmSync(filler);
    let recovered = 0;
    for (const [i, o] of distinct.entries()) {
      if (first[i]?.status === 200) continue;
      const r = await fetch(`${trove.url}/files/${o.name}`);
      if (r.status === 200 && r.complete && r.sha256 === o.sha256) recovered++;
    }
    const crashed = trove.crashed();
    if (crashed) failures.push(`Trove ${crashed}`);
    await trove.stop();
    const verify = await run(process.execPath, [MAIN, 'verify', '--cache', join(disk, 'cache')]);
    if (verify.code !== 0) failures.push(`trove verify: ${verify.out.trim()}`);
    if (other) failures.push(`${other} answers neither whole nor 507`);
    if (whole < 3) failures.push(`only ${whole} objects fitted`);
    await origin.close();
    return {
      name: 'fulldisk',
      ok: failures.length === 0,
      failures,
      line:
        `40 concurrent 4 MiB misses on a 48 MiB tmpfs (16 MiB taken): ${whole} cached whole, ${refused} refused with 507, ` +
        `${other} other; ${hits}/${whole} good hits after; ${tmpLeft} temp files left; ` +
        `after freeing space ${recovered}/${40 - whole} more fitted; trove verify ${verify.code === 0 ? 'clean' : 'FAILED'}`,
    };
  } finally {
    release();
  }
};
