// The resources of a root's metadata set: its top files and the files they list, each keyed
// by its digest and fetched from the upstream the generation came from (by-hash names first).
import type { Policy, Resource } from '../engine/types.js';
import type { Origin } from '../upstream/upstream-pool.js';
import { contentResource } from './content-resource.js';
import type { ListedFile } from './repo-format.js';

const KEEP = ['content-type', 'last-modified'];

export interface SetLimits {
  policy: Policy;
  maxTopSize: number;
  maxIndexSize: number;
}

export class SetResources {
  readonly #l: SetLimits;
  readonly #origins: readonly Origin[];
  readonly #pool: Origin;
  /** Where a file named relative to a root lives below the instance. */
  readonly locate: (root: string, rel: string) => string;

  constructor(
    limits: SetLimits,
    origins: readonly Origin[],
    pool: Origin,
    locate: (root: string, rel: string) => string,
  ) {
    this.#l = limits;
    this.#origins = origins;
    this.#pool = pool;
    this.locate = locate;
  }

  /** The upstream a generation came from (the whole list when it is no longer configured). */
  origin(upstream: number): Origin {
    return this.#origins[upstream] ?? this.#pool;
  }

  top(
    root: string,
    name: string,
    file: { sha256: string; size: number },
    origin: Origin,
  ): Resource {
    return contentResource({
      cls: 'metadata',
      policy: this.#l.policy,
      paths: [this.locate(root, name)],
      origin,
      size: file.size,
      digests: [{ algorithm: 'sha256', hex: file.sha256 }],
      keepHeaders: KEEP,
      maxSize: this.#l.maxTopSize,
    });
  }

  /** A listed file, asked for by its alternates (by-hash) first, then by `rels`. */
  member(root: string, file: ListedFile, origin: Origin, rels: readonly string[]): Resource {
    return contentResource({
      cls: 'metadata',
      policy: this.#l.policy,
      paths: [...new Set([...(file.alternates ?? []), ...rels])].map((r) => this.locate(root, r)),
      origin,
      size: file.size,
      digests: file.digests,
      keepHeaders: KEEP,
      maxSize: this.#l.maxIndexSize,
    });
  }

  /** A listed file no generation names, by a by-hash path: verified by that name alone. */
  byName(
    path: string,
    digest: { algorithm: ListedFile['digests'][number]['algorithm']; hex: string },
  ): Resource {
    return contentResource({
      cls: 'metadata',
      policy: this.#l.policy,
      paths: [path],
      origin: this.#pool,
      digests: [digest],
      keepHeaders: KEEP,
      maxSize: this.#l.maxIndexSize,
    });
  }
}
