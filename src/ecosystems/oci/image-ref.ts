// Image references as container clients read them (the distribution reference grammar, as
// docker normalizes it): Docker Hub when the first part is not a host, `library/` for official
// images, `latest` when no tag or digest is given.

/** Whether a reference's first part names a registry: a dot, a port, or `localhost`. */
export function isRegistryHost(part: string): boolean {
  return /[.:]|^localhost$/.test(part);
}

export interface ImageRef {
  registry: string;
  repository: string;
  /** A tag or a digest. */
  reference: string;
}

export function parseImageRef(ref: string): ImageRef | null {
  const m =
    /^(?:([^/]+)\/)?([a-z0-9]+(?:[._/-][a-z0-9]+)*?)(?::([\w][\w.-]{0,127}))?(?:@(sha256:[0-9a-f]{64}))?$/.exec(
      ref,
    );
  if (!m) return null;
  let registry = m[1];
  let repository = m[2] as string;
  if (registry && !isRegistryHost(registry)) {
    repository = `${registry}/${repository}`;
    registry = undefined;
  }
  registry ??= 'docker.io';
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, reference: m[4] ?? m[3] ?? 'latest' };
}
