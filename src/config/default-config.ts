// The embedded default configuration, used when no file is given. Upstreams that depend on the
// host (the Debian mirror) come from the host's own settings, never from this source file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hostNpmRegistry } from './npm-registry.js';

/** The first http(s) archive URI in the host's apt sources (deb822 or one-line format). */
export function aptMirror(root = '/etc/apt'): string | undefined {
  const files: string[] = [];
  try {
    for (const f of readdirSync(join(root, 'sources.list.d')).sort())
      files.push(join(root, 'sources.list.d', f));
  } catch {
    // no sources.list.d
  }
  files.push(join(root, 'sources.list'));
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const uris = file.endsWith('.sources')
      ? [...text.matchAll(/^URIs:\s*(.+)$/gim)].flatMap((m) => (m[1] ?? '').split(/\s+/))
      : [...text.matchAll(/^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)/gm)].map((m) => m[1] ?? '');
    const uri = uris.find((u) => /^https?:\/\//.test(u) && !/security/.test(u));
    if (uri) return uri;
  }
  return undefined;
}

/**
 * `mirror`: the Debian upstream; undefined reads the host's apt sources, null leaves it out.
 * `npm`: the npm upstream, by default the host's npm registry; null leaves the instance out.
 */
export function defaultConfigObject(
  mirror: string | null | undefined = aptMirror(),
  npm: string | null = hostNpmRegistry(),
): Record<string, unknown> {
  const instances: Record<string, unknown> = {};
  if (mirror) {
    // The host's Debian archive at /debian/: suites discovered from apt's requests and kept
    // as consistent sets (InRelease, Release and the indexes apt uses), refreshed hourly;
    // packages verified against Packages before they are kept.
    instances['debian'] = { type: 'deb', upstreams: [mirror] };
  }
  // Fedora at /fedora/ (dnf: baseurl=http://host:12345/fedora/releases/$releasever/...):
  // repositories discovered from dnf's requests for repodata/repomd.xml, kept as consistent
  // sets; packages verified against primary's checksums. Point it at a mirror near you.
  instances['fedora'] = {
    type: 'rpm',
    upstreams: ['https://dl.fedoraproject.org/pub/fedora/linux/'],
  };
  // Arch Linux at /arch/ (pacman: Server = http://host:12345/arch/$repo/os/$arch): each
  // repository's databases kept as one set, refreshed every two minutes; packages verified
  // against the database's SHA-256 and size.
  instances['arch'] = { type: 'pacman', upstreams: ['https://geo.mirror.pkgbuild.com/'] };
  // Alpine at /alpine/ (/etc/apk/repositories: http://host:12345/alpine/v3.20/main): each
  // APKINDEX kept as a generation, refreshed hourly; packages verified against the index.
  instances['alpine'] = { type: 'apk', upstreams: ['https://dl-cdn.alpinelinux.org/alpine/'] };
  // The Go module proxy at /go and at the root (GOPROXY=http://host:12345), in front of
  // proxy.golang.org, with checksum database verification against sum.golang.org.
  instances['go'] = { type: 'go', upstreams: 'https://proxy.golang.org' };
  // The registry mirror at /v2/: Docker Hub by default (dockerd's registry-mirrors), other
  // registries by name (/v2/ghcr.io/owner/image/...) or ?ns=.
  instances['oci'] = { type: 'oci' };
  // The npm mirror at /npm/, in front of this host's own npm registry (npm config get registry).
  if (npm) instances['npm'] = { type: 'npm', upstreams: [npm] };
  // The Python package index at /pypi/simple/, in front of pypi.org (files from
  // files.pythonhosted.org, verified against the sha256 each index page gives).
  instances['pypi'] = { type: 'pypi' };
  // The Cargo sparse registry at /cargo/, in front of index.crates.io (crates from
  // static.crates.io, verified against the index's cksum).
  instances['cargo'] = { type: 'cargo' };
  // The Maven repository mirror at /maven/, in front of Maven Central (artifacts checked
  // against Central's .sha1 sidecars, never a 404 for an outage).
  instances['maven'] = { type: 'maven' };
  return {
    server: { listen: '0.0.0.0:12345' },
    storage: { dir: './cache', max_size: '20GiB' },
    instances,
  };
}

export function defaultConfigYaml(): string {
  return `# Trove's embedded default configuration\n${stringify(defaultConfigObject())}`;
}
