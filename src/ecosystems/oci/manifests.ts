// Manifest media types and Accept negotiation: a registry answers an index or a single manifest
// depending on Accept, so a tag's manifest is cached once for every client that accepts all four
// types, and per normalized set of accepted types for narrower clients.

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const MANIFEST_TYPES = [OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST];

/** The accepted media types, without parameters, sorted; the four known ones when none. */
export function normalizeAccept(header: string | string[] | undefined): string[] {
  const raw = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  const types = new Set<string>();
  for (const part of raw) {
    const [type, ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (!type || type === '*/*') continue;
    if (params.some((p) => /^q=0(\.0*)?$/.test(p))) continue;
    types.add(type);
  }
  return types.size === 0 ? [...MANIFEST_TYPES].sort() : [...types].sort();
}
