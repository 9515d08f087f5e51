// OCI: the manifest by tag or digest (Docker Hub at /v2/<repo>, other registries at
// /v2/<registry>/<repo>, Trove's routing), each platform's manifest of an index, then the
// config and layers as blobs.
import { PrefetchError } from '../client.js';
import type { PlanContext, Planner } from './planner.js';
import { warmAll } from './planner.js';

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

interface Manifest {
  manifests?: Array<{
    digest: string;
    platform?: { os?: string; architecture?: string; variant?: string };
  }>;
  config?: { digest: string };
  layers?: Array<{ digest: string }>;
}

const wantsPlatform = (
  ctx: PlanContext,
  p?: { os?: string; architecture?: string; variant?: string },
) =>
  ctx.platforms.includes('all') ||
  ctx.platforms.some((want) => {
    const [os, arch, variant] = want.split('/');
    return p?.os === os && p?.architecture === arch && (!variant || p?.variant === variant);
  });

export const ociPlanner: Planner = async (w, ctx) => {
  const slash = w.name.indexOf('/');
  const registry = w.name.slice(0, slash);
  const repo = w.name.slice(slash + 1);
  const path = `${ctx.origin}/v2/${registry === 'docker.io' ? repo : `${registry}/${repo}`}`;
  let files = 0;
  let fetched = 0;
  const manifest = async (ref: string): Promise<Manifest> => {
    const r = await ctx.client.read(`${path}/manifests/${ref}`, ACCEPT);
    files++;
    if (r.cache !== 'HIT') fetched++;
    return JSON.parse(r.body.toString()) as Manifest;
  };
  const top = await manifest(w.version);
  const images = top.manifests
    ? await Promise.all(
        top.manifests.filter((m) => wantsPlatform(ctx, m.platform)).map((m) => manifest(m.digest)),
      )
    : [top];
  if (images.length === 0)
    throw new PrefetchError(`${w.name}:${w.version}: no manifest for ${ctx.platforms.join(', ')}`);
  const blobs = new Set(
    images.flatMap((m) => [m.config?.digest, ...(m.layers ?? []).map((l) => l.digest)]),
  );
  const out = await warmAll(
    ctx,
    [...blobs].filter((d): d is string => !!d).map((d) => `${path}/blobs/${d}`),
  );
  return { files: out.files + files, fetched: out.fetched + fetched, bytes: out.bytes };
};
