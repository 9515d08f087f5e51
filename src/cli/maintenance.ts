// `trove stats` and `trove gc`: work on the storage directory directly.
import { resolve } from 'node:path';
import { pino } from 'pino';
import { Evictor } from '../engine/evictor.js';
import { MemoryCache } from '../engine/memory-cache.js';
import type { EcosystemRegistry } from '../ecosystems/registry.js';
import { deleteGrace, openBlobs, openIndex } from '../app/storage.js';
import { Metrics } from '../observability/metrics.js';
import { FsBlobStore } from '../storage/fs/fs-blob-store.js';
import { formatBytes, parseDuration } from '../util/units.js';
import { TroveError } from '../errors.js';
import { hitRatio } from '../observability/hit-ratio.js';
import { load, type CommonOptions } from './serve.js';
import { recordNamespace } from '../ecosystems/ecosystem.js';
import type { RootRecord } from '../repos/root-lifecycle.js';

export function open(registry: EcosystemRegistry, opts: CommonOptions) {
  const { config } = load(registry, opts);
  const dir = resolve(config.storage.dir);
  return {
    config,
    dir,
    index: openIndex(config.storage, { poolSize: 2 }),
    blobs: openBlobs(config.storage, new FsBlobStore(dir)),
  };
}

export async function runStats(
  registry: EcosystemRegistry,
  opts: CommonOptions & { json?: boolean },
): Promise<void> {
  const { index, config } = open(registry, opts);
  const stats = await index.stats();
  const roots = new Map<string, RootRecord[]>();
  for (const name of Object.keys(config.instances)) {
    const rows = await index.listRecords(recordNamespace(name, 'roots'));
    if (rows.length)
      roots.set(
        name,
        rows.map((r) => r.value as RootRecord),
      );
  }
  await index.close();
  const withRatio = stats.instances.map((s) => {
    return {
      ...s,
      hitRatio: hitRatio(s.requests),
      ...(roots.has(s.instance) ? { roots: roots.get(s.instance)?.map(rootSummary) } : {}),
    };
  });
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...stats, instances: withRatio }, null, 2)}\n`);
    return;
  }
  process.stdout.write(
    `objects ${stats.objects}  negatives ${stats.negatives}  bytes ${formatBytes(stats.bytes)}\n`,
  );
  for (const s of withRatio) {
    const ratio = s.hitRatio === null ? '-' : `${(s.hitRatio * 100).toFixed(1)}%`;
    process.stdout.write(
      `  ${s.instance.padEnd(20)} objects ${String(s.objects).padStart(8)}  ${formatBytes(s.bytes).padStart(10)}  hit ratio ${ratio}\n`,
    );
    for (const r of s.roots ?? []) {
      const when = r.lastRefresh ? new Date(r.lastRefresh).toISOString() : 'never';
      const gen = r.generation === null ? '-' : String(r.generation);
      process.stdout.write(
        `    ${r.path.padEnd(34)} ${r.state.padEnd(8)} generation ${gen.padStart(4)}  refreshed ${when}${r.lastError ? `  (${r.lastError})` : ''}\n`,
      );
    }
  }
}

/** What `trove stats` says about a repository root. */
function rootSummary(r: RootRecord) {
  return {
    path: r.path,
    state: r.state,
    generation: r.generation?.id ?? null,
    published: r.generation?.publishedAt ?? null,
    validUntil: r.generation?.validUntil ?? null,
    lastRefresh: r.lastSuccess,
    lastError: r.lastError,
    indexes: r.wanted.length,
  };
}

export async function runGc(
  registry: EcosystemRegistry,
  opts: CommonOptions & { grace: string },
): Promise<void> {
  const grace = parseDuration(opts.grace);
  if (typeof grace === 'string') throw new TroveError('TROVE_ERR_CONFIG', `--grace: ${grace}`);
  const { config, index, blobs } = open(registry, opts);
  const log = pino({ level: 'warn' });
  const evictor = new Evictor({
    index,
    blobs,
    memory: new MemoryCache(0, 0),
    maxSize: config.storage.max_size ?? null,
    deleteGraceMs: deleteGrace(config.storage),
    log,
    metrics: new Metrics(false),
  });
  const expired = await evictor.expire(Date.now());
  await evictor.enforce();
  const { deleted, bytes, queued } = await evictor.gc(Date.now(), grace);
  await index.close();
  const waiting = evictor.reaper.graceMs > 0 ? `; the rest waits for storage.delete_grace` : '';
  process.stdout.write(
    `expired ${expired} entries; found ${queued} unreferenced blobs; deleted ${deleted} (${formatBytes(bytes)})${waiting}\n`,
  );
}
