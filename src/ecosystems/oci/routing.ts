// Which registry a request is for, four ways: the Host header (cloudflare-docker-proxy's
// table under `custom_domain`, and go-docker-proxy's registry.docker.<domain> scheme), a
// registry host as the first path component (trove:12345/ghcr.io/owner/img), containerd's
// ?ns=<registry>, and otherwise the default registry (Docker Hub, so dockerd's
// registry-mirrors works). Docker Hub names of one component get "library/".

export const DEFAULT_REGISTRIES: Record<string, string> = {
  'docker.io': 'https://registry-1.docker.io',
  'quay.io': 'https://quay.io',
  'gcr.io': 'https://gcr.io',
  'k8s.gcr.io': 'https://k8s.gcr.io',
  'registry.k8s.io': 'https://registry.k8s.io',
  'ghcr.io': 'https://ghcr.io',
  'docker.cloudsmith.io': 'https://docker.cloudsmith.io',
  'public.ecr.aws': 'https://public.ecr.aws',
};

/** cloudflare-docker-proxy's sub-domains. */
export const DEFAULT_HOST_ROUTES: Record<string, string> = {
  docker: 'docker.io',
  quay: 'quay.io',
  gcr: 'gcr.io',
  'k8s-gcr': 'k8s.gcr.io',
  k8s: 'registry.k8s.io',
  ghcr: 'ghcr.io',
  cloudsmith: 'docker.cloudsmith.io',
  ecr: 'public.ecr.aws',
  'docker-staging': 'docker.io',
};

export interface RoutingTable {
  registries: ReadonlySet<string>;
  defaultRegistry: string;
  customDomain: string | undefined;
  hostRoutes: Readonly<Record<string, string>>;
}

export type Route =
  | { ok: true; registry: string; repo: string; via: 'host' | 'path' | 'ns' | 'default' }
  | { ok: false; reason: string };

/** The registry a Host header names under the custom domain, or undefined. */
export function registryForHost(host: string, t: RoutingTable): string | undefined | null {
  const d = t.customDomain;
  if (!d || !host.endsWith(`.${d}`)) return undefined;
  const sub = host.slice(0, -d.length - 1);
  if (sub === 'registry.docker') return 'docker.io';
  const named = /^(.+)\.registry\.docker$/.exec(sub)?.[1];
  if (named) return t.registries.has(named) ? named : (t.hostRoutes[named] ?? null);
  return t.hostRoutes[sub] ?? null;
}

function normalize(registry: string, repo: string[]): string {
  if (registry === 'docker.io' && repo.length === 1) return `library/${repo[0] as string}`;
  return repo.join('/');
}

export function route(name: string[], host: string, ns: string | null, t: RoutingTable): Route {
  const byHost = registryForHost(host, t);
  if (byHost === null) return { ok: false, reason: `no registry is routed for host ${host}` };
  if (byHost) return { ok: true, registry: byHost, repo: normalize(byHost, name), via: 'host' };
  const first = name[0] ?? '';
  if (name.length > 1 && t.registries.has(first)) {
    return { ok: true, registry: first, repo: normalize(first, name.slice(1)), via: 'path' };
  }
  if (ns) {
    if (!t.registries.has(ns))
      return { ok: false, reason: `no registry is configured for ns=${ns}` };
    return { ok: true, registry: ns, repo: normalize(ns, name), via: 'ns' };
  }
  const reg = t.defaultRegistry;
  return { ok: true, registry: reg, repo: normalize(reg, name), via: 'default' };
}
