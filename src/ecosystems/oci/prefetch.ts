// Prefetching an image's blobs: once a manifest is in the cache, its config and layers are
// filled in the background (for an index, the manifests of the platforms asked for, then their
// blobs), so a client's blob requests join fills already running instead of starting each one
// after the last. Off unless a registry asks for it (`prefetch`).
import type { Logger } from 'pino';
import type { Loaded, Opened } from '../../engine/engine.js';
import type { Resource } from '../../engine/types.js';
import { limiter } from '../../util/limiter.js';
import type { RepoEndpoint } from './resources.js';

interface Descriptor {
  digest?: unknown;
  platform?: { os?: unknown; architecture?: unknown; variant?: unknown };
}

interface ManifestBody {
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
}

/** `linux/amd64`, `linux/arm64/v8`: the platform a descriptor names. */
function platformOf(d: Descriptor): string {
  const p = d.platform ?? {};
  return [p.os, p.architecture, p.variant].filter((x) => typeof x === 'string').join('/');
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const digests = (ds: readonly Descriptor[]): string[] =>
  ds.map((d) => d.digest).filter((d): d is string => typeof d === 'string' && DIGEST.test(d));

export interface PrefetchDeps {
  load(r: Resource): Promise<Loaded>;
  open(r: Resource): Promise<Opened>;
  log: Logger;
}

export class Prefetch {
  readonly #d: PrefetchDeps;
  readonly #run = limiter(4);

  constructor(deps: PrefetchDeps) {
    this.#d = deps;
  }

  /**
   * After `manifest` (of one repository) is committed: fill what it names. `make` builds the
   * repository's resources; `platforms` (null for all) picks an index's manifests.
   */
  after(manifest: Resource, make: (ep: RepoEndpoint) => Resource, platforms: string[] | null) {
    void this.#walk(manifest, make, platforms, 0).catch((err: unknown) =>
      this.#d.log.debug({ err, key: manifest.key }, 'prefetch stopped'),
    );
  }

  async #walk(
    manifest: Resource,
    make: (ep: RepoEndpoint) => Resource,
    platforms: string[] | null,
    depth: number,
  ): Promise<void> {
    const got = await this.#d.load(manifest);
    if (got.kind !== 'body') return;
    const body = JSON.parse(got.body.toString('utf8')) as ManifestBody;
    if (Array.isArray(body.manifests) && depth === 0) {
      const chosen = body.manifests.filter(
        (m) => platforms === null || platforms.includes(platformOf(m)),
      );
      for (const digest of digests(chosen)) {
        const child = make({ kind: 'manifest', name: [], reference: digest, byDigest: true });
        await this.#walk(child, make, platforms, depth + 1);
      }
      return;
    }
    const blobs = digests([...(body.config ? [body.config] : []), ...(body.layers ?? [])]);
    await Promise.all(
      blobs.map((digest) =>
        this.#run(async () => {
          const opened = await this.#d.open(make({ kind: 'blob', name: [], digest }));
          if (opened.kind === 'body') await opened.close();
        }),
      ),
    );
  }
}
