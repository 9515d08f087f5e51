// `trove verify`: checks the index file's structure and re-hashes every referenced blob against
// its sha256 name. Reports what is damaged or missing and exits 1 when anything is; --repair
// also drops those blobs and every entry naming them, so the next request refetches.
import { scrub } from '../engine/scrubber.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import { TroveError } from '../errors.js';
import { SqliteIndex } from '../index/sqlite/sqlite-index.js';
import { parseSize } from '../util/units.js';
import { formatBytes } from '../util/units.js';
import { open } from './maintenance.js';
import type { CommonOptions } from './serve.js';

export async function runVerify(
  registry: EcosystemRegistry,
  opts: CommonOptions & { repair?: boolean; rate?: string },
): Promise<void> {
  const rate = opts.rate === undefined ? 0 : parseSize(opts.rate);
  if (typeof rate === 'string') throw new TroveError('TROVE_ERR_CONFIG', `--rate: ${rate}`);
  const { index, blobs } = open(registry, opts);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  let problems = 0;
  try {
    // SQLite's file is Trove's to check; a PostgreSQL server checks its own.
    const structure = index instanceof SqliteIndex ? index.integrity() : [];
    problems += structure.length;
    out(
      structure.length === 0 ? 'index: ok' : `index: damaged: ${structure.slice(0, 5).join('; ')}`,
    );
    const report = await scrub(index, blobs, {
      rate,
      repair: opts.repair === true,
      onDamaged: (digest, why) => out(`blob ${digest}: ${why}`),
      drop: async (digest) => {
        await index.dropDigest(digest);
        await blobs.delete(digest);
      },
    });
    problems += report.damaged.length + report.missing.length;
    out(
      `checked ${report.blobs} blobs (${formatBytes(report.bytes)}): ${report.damaged.length} damaged, ` +
        `${report.missing.length} missing${opts.repair ? ' (dropped; they refetch on demand)' : ''}`,
    );
  } finally {
    await index.close();
  }
  if (problems > 0) process.exitCode = 1;
}
