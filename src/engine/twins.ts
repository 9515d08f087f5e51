// Bodies known by their digest (Resource.sameBodyAs): a miss is answered from another key of the
// same instance that holds the very same bytes, such as a manifest asked for by digest that is
// cached under a tag. The blob store is content-addressed, so the bytes are the digest's bytes.
import type { CacheIndex, IndexEntry } from '../index/cache-index.js';
import type { Resource } from './types.js';

/** The twin's entry, now also kept under `key`; undefined when there is no twin. */
export async function adoptTwin(
  index: CacheIndex,
  key: string,
  resource: Resource,
  instance: string,
  now: number,
): Promise<IndexEntry | undefined> {
  const same = resource.sameBodyAs;
  if (!same) return undefined;
  const found = await index.withDigest(same.sha256, `${instance}/${same.keyPrefix}`);
  if (!found) return undefined;
  return index.createIfAbsent({
    ...found,
    key,
    headers: { ...found.headers, ...resource.fixedHeaders },
    fetchedAt: now,
    lastAccess: now,
    hits: 0,
    expireAfter: resource.policy.expireAfter,
  });
}
