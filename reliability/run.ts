// npm run reliability [-- scenario ...]: Trove under kill -9 cycles, an upstream fault matrix,
// fuzzing, slow and stalled clients, a soak, a full disk and a damaged cache directory. Each
// scenario prints one line of figures; the run fails when any invariant broke.
// REL_QUICK=1 shrinks counts and durations; REL_CYCLES, REL_FUZZ, REL_SOAK_SECONDS, REL_SEED
// set them one by one.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Outcome, Scenario } from './lib/scenario.js';
import { MAIN, WORK } from './lib/trove.js';
import { damage } from './scenarios/damage.js';
import { faults } from './scenarios/faults.js';
import { fulldisk } from './scenarios/fulldisk.js';
import { fuzz } from './scenarios/fuzz.js';
import { kill9 } from './scenarios/kill9.js';
import { slow } from './scenarios/slow.js';
import { soak } from './scenarios/soak.js';

const ALL: Record<string, Scenario> = { kill9, faults, fuzz, slow, fulldisk, damage, soak };

async function main(): Promise<void> {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run npm run build');
  const names = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const chosen = names.length ? names : Object.keys(ALL);
  for (const n of chosen)
    if (!ALL[n]) throw new Error(`unknown scenario ${n}: ${Object.keys(ALL).join(', ')}`);
  const quick = process.env['REL_QUICK'] === '1';
  const outcomes: Outcome[] = [];
  for (const name of chosen) {
    const dir = join(WORK, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const started = Date.now();
    const scenario = ALL[name] as Scenario;
    const o = await scenario({ quick, dir }).catch((err: unknown): Outcome => ({
      name,
      ok: false,
      failures: [String(err)],
      line: 'did not finish',
    }));
    outcomes.push(o);
    const secs = ((Date.now() - started) / 1000).toFixed(0);
    console.log(`${o.ok ? 'ok  ' : 'FAIL'} ${name.padEnd(8)} ${o.line} [${secs} s]`);
    for (const f of o.failures.slice(0, 10)) console.log(`       ${f}`);
  }
  process.exitCode = outcomes.every((o) => o.ok) ? 0 : 1;
}

void main();
