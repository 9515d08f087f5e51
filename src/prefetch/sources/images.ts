// A list of image references, one per line (`alpine:3.20`, `ghcr.io/o/i@sha256:…`), and the
// normalisation every container client applies: Docker Hub by default, `library/` for
// official images, `latest` when no tag is given.
import type { Parsed, Wanted } from '../wanted.js';

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
  // A first part with no dot, colon or `localhost` is a Docker Hub namespace, not a registry.
  if (registry && !/[.:]|^localhost$/.test(registry)) {
    repository = `${registry}/${repository}`;
    registry = undefined;
  }
  registry ??= 'docker.io';
  if (registry === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  return { registry, repository, reference: m[4] ?? m[3] ?? 'latest' };
}

export function imageWanted(ref: string, from: string): Wanted | null {
  const r = parseImageRef(ref);
  return r
    ? { ecosystem: 'oci', name: `${r.registry}/${r.repository}`, version: r.reference, from }
    : null;
}

export function parseImageList(text: string, file: string): Parsed {
  const out: Parsed = { wanted: [], unusable: [] };
  text.split('\n').forEach((raw, i) => {
    const ref = raw.replace(/#.*$/, '').trim();
    if (!ref) return;
    const from = `${file}:${i + 1}`;
    const w = imageWanted(ref, from);
    if (w) out.wanted.push(w);
    else out.unusable.push({ what: ref, from, reason: 'not an image reference' });
  });
  return out;
}
