// Helpers every ecosystem with derived metadata needs: a gzipped twin of a derived document,
// a short stable name for a public base URL in keys, and a parsed copy of a small derived JSON
// document that is parsed again only when its ETag changes.
import { createHash } from 'node:crypto';
import type { Loaded, Opened } from '../engine/engine.js';
import type { Policy, Resource } from '../engine/types.js';
import { derivedOrigin, identity, type DerivedSpec } from './derived-origin.js';

/** The same document gzipped, made from the identity one (so both always agree). */
export function gzipVariant(
  plain: Resource,
  open: () => Promise<Opened>,
  tag: string,
  contentType: string,
): Resource {
  return {
    ...plain,
    key: `${plain.key}/gz`,
    get origin() {
      return derivedOrigin({ open, tag, contentType, transform: identity, gzip: true });
    },
    fixedHeaders: { ...plain.fixedHeaders, 'content-encoding': 'gzip' },
  };
}

/** A short, stable name for a public base (memoized: asked on every hit). */
export function baseKeys(limit = 256): (base: string) => string {
  const known = new Map<string, string>();
  return (base) => {
    let k = known.get(base);
    if (k === undefined) {
      k = createHash('sha256').update(base).digest('hex').slice(0, 16);
      if (known.size >= limit) known.clear();
      known.set(base, k);
    }
    return k;
  };
}

/** Parsed small JSON documents, by name, kept while their ETag stays the same. */
export class ParsedDocs<T> {
  readonly #docs = new Map<string, { etag: string; value: T }>();
  readonly #limit: number;

  constructor(limit = 1000) {
    this.#limit = limit;
  }

  /** The parsed body of a loaded document (null for a negative answer). */
  parse(name: string, loaded: Loaded): T | null {
    if (loaded.kind === 'negative') return null;
    const etag = loaded.headers['etag'] ?? '';
    const memo = this.#docs.get(name);
    if (memo && etag && memo.etag === etag) return memo.value;
    const value = JSON.parse(loaded.body.toString('utf8')) as T;
    if (this.#docs.size >= this.#limit) {
      this.#docs.delete(this.#docs.keys().next().value as string);
    }
    this.#docs.set(name, { etag, value });
    return value;
  }
}

/**
 * A resource made from other cached resources by `spec` (made only when a fill needs it, never
 * on a hit), kept under `key` with `policy`.
 */
export function derivedResource(
  key: string,
  policy: Policy,
  spec: () => DerivedSpec,
  keepHeaders: readonly string[] = ['content-type', 'last-modified'],
): Resource {
  return {
    key,
    class: 'metadata',
    policy,
    get origin() {
      return derivedOrigin(spec());
    },
    upstreamPath: '',
    derived: true,
    keepHeaders,
  };
}
