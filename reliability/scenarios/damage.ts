// A damaged cache directory: blobs flipped, truncated, deleted, swapped and grown; junk files
// and directories among the blobs; garbage in tmp/; then damaged index pages; then no index at
// all. Trove must start every time, answer every object correctly by at most the second try
// (the first may be a detectable cut of a damaged blob), never crash, and leave a directory
// that `trove verify` finds clean.
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { fetch } from '../lib/client.js';
import { corpus, type Obj } from '../lib/corpus.js';
import { startOrigin } from '../lib/origin.js';
import { type Scenario } from '../lib/scenario.js';
import { MAIN, MiB, startTrove, run } from '../lib/trove.js';

export const damage: Scenario = async ({ dir }) => {
  const objects = corpus(40, 3 * MiB, 'damage');
  const origin = await startOrigin({ bases: ['/base/'], prefix: '/base/', objects });
  const cache = join(dir, 'cache');
  const yaml = `storage:\n  dir: ${cache}\ninstances:\n  files:\n    type: file\n    upstreams: ['${origin.url}/base/']\n    default_policy: immutable\n`;
  const blob = (o: Obj): string =>
    join(cache, 'blobs', 'sha256', o.sha256.slice(0, 2), o.sha256.slice(2, 4), o.sha256);
  const failures: string[] = [];
  let cutFirst = 0;
  let exact = 0;
  let rounds = 0;

  /** Every object: the second answer at the latest must be exact. */
  const check = async (label: string): Promise<void> => {
    rounds++;
    const trove = await startTrove(dir, yaml);
    for (const o of objects) {
      let r = await fetch(`${trove.url}/files/${o.name}`);
      if (!(r.complete && r.status === 200 && r.sha256 === o.sha256)) {
        if (r.complete && r.status === 200) failures.push(`${label}: ${o.name} complete but wrong`);
        cutFirst++;
        r = await fetch(`${trove.url}/files/${o.name}`);
      }
      if (r.complete && r.status === 200 && r.sha256 === o.sha256) exact++;
      else
        failures.push(
          `${label}: ${o.name} status ${r.status} complete ${r.complete} on the second try`,
        );
    }
    const crashed = trove.crashed();
    if (crashed) failures.push(`${label}: Trove ${crashed}`);
    await trove.stop();
  };

  await check('filling');
  // Round 1: the blobs.
  const flip = (p: string): void => {
    const b = readFileSync(p);
    const at = Math.floor(b.length / 3);
    b[at] = (b[at] as number) ^ 0xff;
    writeFileSync(p, b);
  };
  objects.slice(0, 5).forEach((o) => flip(blob(o)));
  objects.slice(5, 10).forEach((o) => truncateSync(blob(o), Math.floor(o.size / 2)));
  objects.slice(10, 15).forEach((o) => rmSync(blob(o)));
  for (let i = 15; i < 19; i += 2) {
    const [a, b] = [objects[i], objects[i + 1]];
    if (!a || !b) continue;
    renameSync(blob(a), `${blob(a)}.x`);
    renameSync(blob(b), blob(a));
    renameSync(`${blob(a)}.x`, blob(b));
  }
  objects.slice(19, 22).forEach((o) => appendFileSync(blob(o), 'junk'));
  mkdirSync(join(cache, 'blobs', 'sha256', 'zz', 'not-a-blob'), { recursive: true });
  writeFileSync(join(cache, 'blobs', 'sha256', 'README'), 'junk');
  const fake = createHash('sha256').update('fake').digest('hex');
  mkdirSync(join(cache, 'blobs', 'sha256', fake.slice(0, 2), fake.slice(2, 4), fake), {
    recursive: true,
  });
  rmSync(join(cache, 'tmp'), { recursive: true, force: true });
  writeFileSync(join(cache, 'tmp'), 'a file where a directory should be');
  // Trove needs tmp/ as a directory: a file there must be replaced or reported, not crash.
  rmSync(join(cache, 'tmp'));
  mkdirSync(join(cache, 'tmp'));
  writeFileSync(join(cache, 'tmp', 'garbage.part'), 'half a download');
  await check('damaged blobs');

  // Round 2: damaged index pages.
  const db = join(cache, 'index.db');
  const size = statSync(db).size;
  const fd = openSync(db, 'r+');
  for (let p = 2; p * 4096 < size; p += 2)
    writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, p * 4096);
  closeSync(fd);
  await check('damaged index');
  const damaged = await run(process.execPath, [MAIN, 'verify', '--cache', cache]);
  if (damaged.code === 0) failures.push('trove verify found nothing wrong with a damaged index');

  // Round 3: the operator's fix for a damaged index is to remove it; everything refetches.
  for (const f of ['index.db', 'index.db-wal', 'index.db-shm'])
    rmSync(join(cache, f), { force: true });
  await check('no index');
  const gc = await run(process.execPath, [MAIN, 'gc', '--cache', cache, '--grace', '0s']);
  if (gc.code !== 0) failures.push(`trove gc: ${gc.err.trim()}`);
  const verify = await run(process.execPath, [MAIN, 'verify', '--cache', cache]);
  if (verify.code !== 0) failures.push(`trove verify: ${verify.out.trim()}`);
  await origin.close();
  return {
    name: 'damage',
    ok: failures.length === 0,
    failures,
    line:
      `${rounds} starts on a damaged directory (22 damaged blobs, junk files, garbage in tmp/, ` +
      `damaged index pages, a removed index): ${exact}/${rounds * objects.length} answers exact by the ` +
      `second try, ${cutFirst} first answers cut or refused, 0 complete-but-wrong; ` +
      `verify ${damaged.code === 1 ? 'flagged the damaged index' : 'MISSED the damaged index'}, ` +
      `clean after gc: ${verify.code === 0 ? 'yes' : 'NO'}`,
  };
};
