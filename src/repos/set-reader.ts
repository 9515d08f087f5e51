// Reading what a root's generations say: the listing of their top files, parsed once per
// generation, and the package tables of the package lists clients use, read once per list
// (by its digest) and looked up by path.
import type { Logger } from 'pino';
import type { Loaded } from '../engine/engine.js';
import type { Resource } from '../engine/types.js';
import { TroveError } from '../errors.js';
import { contentKey } from './content-resource.js';
import type { Generation } from './generation.js';
import { PackageTable, TableCache } from './package-table.js';
import {
  wantedFiles,
  type ListedFile,
  type Listing,
  type PackageRef,
  type RepoFormat,
} from './repo-format.js';
import type { RootRecord } from './root-lifecycle.js';
import type { SetResources } from './set-resources.js';

/** The memo key of a generation's parsed listing. */
const listingKey = (root: string, gen: Generation): string =>
  `${root}#${gen.id}#${Object.values(gen.top)[0]?.sha256 ?? ''}`;

export class SetReader {
  readonly #format: RepoFormat;
  readonly #sets: SetResources;
  readonly #load: (r: Resource) => Promise<Loaded>;
  readonly #log: Logger;
  readonly #listings = new Map<string, Promise<Listing>>();
  readonly #tables = new TableCache();

  constructor(
    format: RepoFormat,
    sets: SetResources,
    load: (r: Resource) => Promise<Loaded>,
    log: Logger,
  ) {
    this.#format = format;
    this.#sets = sets;
    this.#load = load;
    this.#log = log;
  }

  /** A listing just parsed by a refresh, so reading it back costs nothing. */
  remember(root: string, gen: Generation, listing: Listing): void {
    this.#listings.set(listingKey(root, gen), Promise.resolve(listing));
  }

  /** What the first kept generation of these roots that lists a package says of it. */
  async listed(roots: Iterable<RootRecord>, path: string): Promise<PackageRef | undefined> {
    for (const rec of roots) {
      if (!rec.generation) continue;
      const bases = this.#format
        .archiveBases(rec.path)
        .filter((b) => b === '' || path.startsWith(`${b}/`));
      if (!bases.length) continue;
      for (const gen of [rec.generation, ...rec.previous]) {
        const ref = await this.#findIn(rec, gen, bases, path).catch((err: unknown) => {
          this.#log.warn({ err, root: rec.path }, 'a package index could not be read');
          return undefined;
        });
        if (ref) return ref;
      }
    }
    return undefined;
  }

  /** What a generation's top files list, parsed once per generation. */
  listing(root: string, gen: Generation): Promise<Listing> {
    const key = listingKey(root, gen);
    let p = this.#listings.get(key);
    if (!p) {
      p = this.#readListing(root, gen);
      this.#listings.set(key, p);
      p.catch(() => this.#listings.delete(key));
      if (this.#listings.size > 256) {
        const oldest = this.#listings.keys().next().value;
        if (oldest !== undefined) this.#listings.delete(oldest);
      }
    }
    return p;
  }

  async #readListing(root: string, gen: Generation): Promise<Listing> {
    const bodies = new Map<string, Buffer>();
    for (const [name, file] of Object.entries(gen.top)) {
      const got = await this.#load(
        this.#sets.top(root, name, file, this.#sets.origin(gen.upstream)),
      );
      if (got.kind !== 'body') throw new TroveError('TROVE_ERR_NOT_FOUND', `${name} is gone`);
      bodies.set(name, got.body);
    }
    const listing = await this.#format.parseTop(root, bodies);
    if (!listing) throw new TroveError('TROVE_ERR_UPSTREAM_BODY', `${root}: top files unreadable`);
    return listing;
  }

  async #findIn(rec: RootRecord, gen: Generation, bases: string[], path: string) {
    for (const table of await this.tables(rec, gen)) {
      for (const base of bases) {
        const ref = table.find(base, path);
        if (ref) return ref;
      }
    }
    return undefined;
  }

  /** The package tables of a generation: its package indexes that clients use, read once. */
  async tables(rec: RootRecord, gen: Generation): Promise<PackageTable[]> {
    const listing = await this.listing(rec.path, gen);
    const sources = new Set<string>();
    const used = wantedFiles(listing, rec.wanted).map((f) => f.path);
    for (const rel of [...used, ...Object.keys(gen.top)]) {
      const src = this.#format.packageSource(rel, listing);
      if (src) sources.add(src);
    }
    const tables: PackageTable[] = [];
    for (const src of sources) {
      const top = gen.top[src];
      const file: ListedFile | undefined =
        listing.files.get(src) ??
        (top
          ? { path: src, size: top.size, digests: [{ algorithm: 'sha256', hex: top.sha256 }] }
          : undefined);
      if (!file) continue;
      tables.push(
        await this.#tables.get(contentKey(file.digests), async () => {
          const got = await this.#load(
            this.#sets.member(rec.path, file, this.#sets.origin(gen.upstream), [src]),
          );
          if (got.kind !== 'body') throw new TroveError('TROVE_ERR_NOT_FOUND', `${src} is gone`);
          return PackageTable.from(this.#format.readPackages(src, got.body));
        }),
      );
    }
    return tables;
  }
}
