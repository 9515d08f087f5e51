// What each registry endpoint is in the cache: its key, policy, upstream path and checks.
import type { BodyView, Policy, Resource } from '../../engine/types.js';
import { TroveError } from '../../errors.js';
import type { Origin } from '../../upstream/upstream-pool.js';
import { MANIFEST_TYPES, normalizeAccept } from './manifests.js';
import type { OciEndpoint } from './oci-request.js';
import { API_VERSION } from './responses.js';

const MiB = 1024 * 1024;

export interface Policies {
  immutable: Policy;
  tag: Policy;
}

/** The endpoints that read a repository. */
export type RepoEndpoint = Exclude<OciEndpoint, { kind: 'base' | 'push' | 'token' }>;

export function resourceFor(
  ep: RepoEndpoint,
  registry: string,
  repo: string,
  query: string,
  accept: string | undefined,
  origin: Origin,
  policies: Policies,
): Resource {
  const common = { origin, keepHeaders: ['content-type', 'docker-content-digest', 'link'] };
  const path = (tail: string): string => `v2/${repo}/${tail}`;
  switch (ep.kind) {
    case 'blob':
      return {
        ...common,
        key: `${registry}/${repo}/blobs/${ep.digest}`,
        class: 'artifact',
        policy: policies.immutable,
        upstreamPath: path(`blobs/${ep.digest}`),
        // Every blob answer has a type, whatever the registry sent.
        fixedHeaders: {
          'content-type': 'application/octet-stream',
          'docker-content-digest': ep.digest,
          ...API_VERSION,
        },
        ...expectDigest(ep.digest),
      };
    case 'manifest': {
      const types = normalizeAccept(accept);
      if (ep.byDigest) {
        const all = [...new Set([...types, ...MANIFEST_TYPES])].sort();
        return {
          ...common,
          key: `${registry}/${repo}/manifests/${ep.reference}`,
          class: 'metadata',
          policy: policies.immutable,
          upstreamPath: path(`manifests/${ep.reference}`),
          upstreamHeaders: { accept: all.join(', ') },
          fixedHeaders: { 'docker-content-digest': ep.reference, ...API_VERSION },
          maxSize: 4 * MiB,
          ...expectDigest(ep.reference),
          // Bytes already cached under one of this repository's tags are these very bytes.
          ...(ep.reference.startsWith('sha256:')
            ? {
                sameBodyAs: {
                  sha256: ep.reference.slice(7),
                  keyPrefix: `${registry}/${repo}/manifests/`,
                },
              }
            : {}),
        };
      }
      // Clients that take any of the four manifest types (docker, podman, containerd, skopeo,
      // crane, oras all do) share one copy of the tag, fetched and revalidated with those four:
      // whatever the registry answers, each of them accepts. Narrower clients get their own.
      const shared = MANIFEST_TYPES.every((t) => types.includes(t));
      const wanted = shared ? [...MANIFEST_TYPES] : types;
      return {
        ...common,
        key: `${registry}/${repo}/manifests/${ep.reference}${shared ? '' : `#${types.join(',')}`}`,
        class: 'metadata',
        policy: policies.tag,
        upstreamPath: path(`manifests/${ep.reference}`),
        upstreamHeaders: { accept: wanted.join(', ') },
        fixedHeaders: { ...API_VERSION },
        digestHeader: 'docker-content-digest',
        maxSize: 4 * MiB,
        verify: verifyTagManifest,
      };
    }
    case 'tags':
      return {
        ...common,
        key: `${registry}/${repo}/tags/list?${normalizeQuery(query)}`,
        class: 'metadata',
        policy: policies.tag,
        upstreamPath: `${path('tags/list')}${query ? `?${normalizeQuery(query)}` : ''}`,
        maxSize: 16 * MiB,
      };
    case 'referrers':
      return {
        ...common,
        key: `${registry}/${repo}/referrers/${ep.digest}`,
        class: 'metadata',
        policy: policies.tag,
        upstreamPath: path(`referrers/${ep.digest}`),
        maxSize: 16 * MiB,
      };
  }
}

/** A tag's manifest must be the bytes the registry says it is. */
async function verifyTagManifest(body: BodyView): Promise<void> {
  const said = body.headers['docker-content-digest'];
  if (said?.startsWith('sha256:') && said !== `sha256:${body.sha256}`) {
    throw new TroveError('TROVE_ERR_VERIFY', `manifest digest ${said} does not match its bytes`);
  }
}

function expectDigest(digest: string): Pick<Resource, 'expect'> {
  const [alg, hex] = digest.split(':') as [string, string];
  return alg === 'sha256' || alg === 'sha512'
    ? { expect: { digests: [{ algorithm: alg, hex }] } }
    : {};
}

function normalizeQuery(query: string): string {
  const p = new URLSearchParams(query);
  const out = new URLSearchParams();
  for (const k of ['n', 'last']) {
    const v = p.get(k);
    if (v !== null) out.set(k, v);
  }
  return out.toString();
}
