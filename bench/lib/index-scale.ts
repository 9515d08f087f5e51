// W6-index: how Trove behaves with a large cache. A cache of N small objects is generated
// through the Index and BlobStore APIs (not by N HTTP fills), once on SQLite and once on
// PostgreSQL, beside a cache of 1,000 objects on the same driver. For each: the time from
// spawning `trove serve` to its first 200 on /ready, the RSS then and after the hits, and wrk's
// req/s and p99 on random hits over every object, then over the first 1,000 objects only
// (each after a warm-up pass of the same length).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IndexEntry, CacheIndex } from '../../src/index/cache-index.js';
import { PostgresIndex } from '../../src/index/postgres/postgres-index.js';
import { SqliteIndex } from '../../src/index/sqlite/sqlite-index.js';
import { FsBlobStore } from '../../src/storage/fs/fs-blob-store.js';
import { hasPostgres, startPostgres } from '../../test/helpers/postgres.js';
import { wrk } from './clients.js';
import { freePort, rss, sleep, start, stop } from './proc.js';

export interface ScaleFigures {
  driver: 'sqlite' | 'postgres';
  entries: number;
  /** Spawn to the first 200 on /ready (ms). */
  readyMs: number;
  rssReadyMiB: number;
  rssAfterMiB: number;
  /** Random hits over every object. */
  all: Hits;
  /** Random hits over the first 1,000 objects only: what the index's size alone costs a hit. */
  hot: Hits;
}

export interface Hits {
  rps: number;
  p99ms: number;
  errors: number;
}

const SMALL = 1000;
const INSTANCE = 'files';
const body = (i: number): Buffer => Buffer.from(`object ${i}\n`.padEnd(64, '.'));
const keyOf = (i: number): string => `${INSTANCE}/obj/${i}`;

/** The digests of objects 0..n-1, and their blob files where the fs store keeps them. */
function writeBlobs(cache: string, n: number, write: boolean): string[] {
  const store = new FsBlobStore(cache);
  const digests: string[] = [];
  const made = new Set<string>();
  for (let i = 0; i < n; i++) {
    const b = body(i);
    const digest = createHash('sha256').update(b).digest('hex');
    digests.push(digest);
    if (!write) continue;
    const path = store.localPath(digest);
    const dir = dirname(path);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    if (!existsSync(path)) writeFileSync(path, b);
  }
  return digests;
}

function entryOf(i: number, digest: string, now: number): IndexEntry {
  return {
    key: keyOf(i),
    instance: INSTANCE,
    status: 'ok',
    digest,
    size: 64,
    upstreamStatus: 200,
    headers: { 'content-type': 'application/octet-stream' },
    fetchedAt: now,
    etag: null,
    lastModified: null,
    lastAccess: now,
    hits: 0,
    expireAfter: null,
  };
}
/** Puts every entry, `parallel` at a time (PostgreSQL gains from several connections). */
async function fill(index: CacheIndex, digests: string[], parallel: number): Promise<void> {
  const now = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < digests.length) {
        const i = next++;
        await index.put(entryOf(i, digests[i] as string, now));
      }
    }),
  );
  await index.close();
}

async function readyAfter(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/ready`);
      await r.arrayBuffer();
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(10);
  }
  throw new Error(`trove on port ${port} was not ready within ${ms} ms`);
}

async function measure(
  dir: string,
  caches: string,
  main: string,
  driver: ScaleFigures['driver'],
  entries: number,
  indexYaml: string,
  seconds: number,
): Promise<ScaleFigures> {
  const port = await freePort();
  const cfg = join(dir, `trove-${driver}-${entries}.yaml`);
  writeFileSync(
    cfg,
    `server:\n  listen: 127.0.0.1:${port}\n  workers: 1\nlog:\n  level: warn\n` +
      `storage:\n  dir: ${join(caches, `cache-${entries}`)}\n${indexYaml}` +
      `instances:\n  ${INSTANCE}:\n    type: file\n    upstreams: [http://127.0.0.1:9/]\n    default_policy: immutable\n`,
  );
  const script = (n: number): string => {
    const path = join(dir, `random-${n}.lua`);
    writeFileSync(
      path,
      `request = function()\n  return wrk.format("GET", "/${INSTANCE}/obj/" .. math.random(0, ${n - 1}))\nend\n`,
    );
    return path;
  };
  const t0 = performance.now();
  const child = start(process.execPath, [main, 'serve', '--config', cfg], join(dir, 'trove.log'));
  try {
    await readyAfter(port, 120_000);
    const readyMs = performance.now() - t0;
    const pid = child.pid as number;
    const rssReady = rss(pid);
    // A first pass warms the JIT and what a running cache keeps hot; the second is measured.
    const hits = async (n: number): Promise<Hits> => {
      const opts = { connections: 64, seconds, script: script(n) };
      await wrk(`http://127.0.0.1:${port}`, opts);
      const w = await wrk(`http://127.0.0.1:${port}`, opts);
      return { rps: w.rps, p99ms: w.p99ms, errors: w.errors };
    };
    const all = await hits(entries);
    const rssAfter = rss(pid);
    const hot = await hits(SMALL);
    return {
      driver,
      entries,
      readyMs,
      rssReadyMiB: rssReady / 2 ** 20,
      rssAfterMiB: rssAfter / 2 ** 20,
      all,
      hot,
    };
  } finally {
    await stop(child);
  }
}

/** W6-index on SQLite and (when installed) PostgreSQL, for a small and a large cache. */
export async function indexScaleWorkload(
  work: string,
  data: string,
  main: string,
  large: number,
  seconds: number,
): Promise<ScaleFigures[]> {
  const dir = join(work, 'index-scale');
  mkdirSync(dir, { recursive: true });
  // The caches on disk are kept between runs (a million files take minutes to write).
  const caches = join(data, 'index-scale');
  const out: ScaleFigures[] = [];
  const sizes = [SMALL, large];
  const digests = new Map<number, string[]>();
  for (const n of sizes) {
    const t0 = performance.now();
    const cache = join(caches, `cache-${n}`);
    const done = join(cache, 'generated');
    const fresh = !existsSync(done);
    digests.set(n, writeBlobs(cache, n, fresh));
    if (fresh) {
      await fill(new SqliteIndex(join(cache, 'index.db')), digests.get(n) as string[], 1);
      writeFileSync(done, `${n}\n`);
    }
    console.log(
      `bench: W6-index ${n} objects on fs + SQLite ${fresh ? 'made' : 'found'} in ${Math.round(performance.now() - t0)} ms`,
    );
    out.push(await measure(dir, caches, main, 'sqlite', n, '', seconds));
  }
  if (!hasPostgres()) {
    console.warn('bench: W6-index on PostgreSQL skipped (needs postgresql-15)');
    return out;
  }
  const pg = await startPostgres();
  try {
    for (const n of sizes) {
      const url = await pg.database();
      const t0 = performance.now();
      await fill(new PostgresIndex({ url, poolSize: 16 }), digests.get(n) as string[], 32);
      console.log(
        `bench: W6-index ${n} entries into PostgreSQL in ${Math.round(performance.now() - t0)} ms`,
      );
      const yaml = `  index:\n    url: ${JSON.stringify(url)}\n`;
      out.push(await measure(dir, caches, main, 'postgres', n, yaml, seconds));
    }
  } finally {
    await pg.stop();
  }
  return out;
}
