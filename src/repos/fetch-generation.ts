// One upstream's view of a root, as a refresh sees it: unchanged (a 304, or the same top
// files), a new generation whose every wanted file was fetched and verified before it is
// returned, or why not (not found, forbidden). Transient failures throw.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Loaded, Opened } from '../engine/engine.js';
import type { Resource } from '../engine/types.js';
import { TroveError } from '../errors.js';
import type { Origin } from '../upstream/upstream-pool.js';
import { heldOrigin } from './content-resource.js';
import type { Generation } from './generation.js';
import { limiter } from '../util/limiter.js';
import { wantedFiles, type ListedFile, type Listing, type RepoFormat } from './repo-format.js';
import type { RootRecord } from './root-lifecycle.js';
import type { SetResources } from './set-resources.js';
import { fetchTop, type FetchedTop } from './top-fetch.js';

export type Attempt =
  | { kind: 'unchanged' }
  | { kind: 'published'; gen: Generation; listing: Listing }
  | { kind: 'not-found'; why: string }
  | { kind: 'forbidden'; why: string };

export interface GenerationDeps {
  format: RepoFormat;
  sets: SetResources;
  load(r: Resource): Promise<Loaded>;
  open(r: Resource): Promise<Opened>;
  log: Logger;
  now(): number;
  maxTopSize: number;
  /** True once the instance shuts down: a refresh stops between files. */
  closed(): boolean;
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function sameTop(gen: Generation, digests: ReadonlyMap<string, string>): boolean {
  const names = Object.keys(gen.top);
  return names.length === digests.size && names.every((n) => gen.top[n]?.sha256 === digests.get(n));
}

export async function fetchGeneration(
  d: GenerationDeps,
  rec: RootRecord,
  upstream: number,
): Promise<Attempt> {
  const origin = d.sets.origin(upstream);
  const root = rec.path;
  const names = d.format.topNames(root);
  const current = rec.generation?.upstream === upstream ? rec.generation : null;
  const set = await fetchTop(origin, root, names, current, d.maxTopSize, d.sets.locate);
  if (set.kind !== 'fetched') return set;
  const bodies = new Map([...set.files].map(([n, f]) => [n, f.body]));
  let listing: Listing | null;
  try {
    listing = await d.format.parseTop(root, bodies);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TroveError('TROVE_ERR_UPSTREAM_BODY', `${root}: ${why}`);
  }
  if (!listing) return { kind: 'not-found', why: `${root}: no ${names.join(', ')} upstream` };
  const digests = new Map([...set.files].map(([n, f]) => [n, sha256(f.body)]));
  const gen = rec.generation;
  if (gen && sameTop(gen, digests)) return { kind: 'unchanged' };
  if (gen?.date && listing.date && listing.date < gen.date) {
    d.log.warn({ root, upstream }, 'upstream metadata is older than the current set; kept it');
    return { kind: 'unchanged' };
  }
  await prefetch(d, rec, listing, origin);
  const next: Generation = {
    id: (gen?.id ?? 0) + 1,
    publishedAt: d.now(),
    upstream,
    top: {},
    validUntil: listing.validUntil,
    date: listing.date,
  };
  for (const [name, f] of set.files) {
    const sha = digests.get(name) as string;
    next.top[name] = {
      sha256: sha,
      size: f.body.length,
      lastModified: f.lastModified,
      etag: f.etag,
    };
    await keepTop(d, root, name, f, sha);
  }
  return { kind: 'published', gen: next, listing };
}

/** Every listed file clients use (and what packages are read from), fetched and verified. */
async function prefetch(d: GenerationDeps, rec: RootRecord, listing: Listing, origin: Origin) {
  const rels = new Set<string>();
  for (const file of wantedFiles(listing, rec.wanted)) {
    rels.add(file.path);
    const src = d.format.packageSource(file.path, listing);
    if (src && listing.files.has(src)) rels.add(src);
  }
  const run = limiter(4);
  await Promise.all(
    [...rels].map((rel) =>
      run(async () => {
        if (d.closed()) throw new TroveError('TROVE_ERR_SHUTTING_DOWN', 'shutting down');
        const file = listing.files.get(rel) as ListedFile;
        const opened = await d.open(d.sets.member(rec.path, file, origin, [rel]));
        if (opened.kind !== 'body') {
          const where = d.sets.locate(rec.path, rel);
          const why = `${where} is listed but upstream answered ${opened.status}`;
          throw new TroveError('TROVE_ERR_UPSTREAM_STATUS', why);
        }
        await opened.close();
      }),
    ),
  );
}

/** A top file as fetched, kept under its digest with the upstream's validators. */
async function keepTop(d: GenerationDeps, root: string, name: string, f: FetchedTop, sha: string) {
  const headers: Record<string, string> = {};
  if (f.contentType) headers['content-type'] = f.contentType;
  if (f.lastModified) headers['last-modified'] = f.lastModified;
  if (f.etag) headers['etag'] = f.etag;
  const held = heldOrigin(f.body, headers);
  const got = await d.load(d.sets.top(root, name, { sha256: sha, size: f.body.length }, held));
  if (got.kind !== 'body') throw new TroveError('TROVE_ERR_STORAGE', `${root}/${name} not stored`);
}
