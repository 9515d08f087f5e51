// Routing: by Host header first, then by the longest path prefix.

export interface Routable {
  name: string;
  /** Mount prefix without a trailing slash; '' mounts at the root. */
  prefix: string;
  /** Host names (lower case, '*.' wildcards allowed); empty means any host. */
  hosts: readonly string[];
}

export interface Match<T extends Routable> {
  mount: T;
  /** The path below the prefix, with a leading slash. */
  rest: string;
}

function hostMatches(patterns: readonly string[], host: string): boolean {
  return patterns.some((p) => p === host || (p.startsWith('*.') && host.endsWith(p.slice(1))));
}

export function hostname(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  const h = hostHeader.toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

function byPrefix<T extends Routable>(mounts: readonly T[], path: string): Match<T> | undefined {
  for (const mount of mounts) {
    if (mount.prefix === '' || path === mount.prefix || path.startsWith(`${mount.prefix}/`)) {
      return { mount, rest: path.slice(mount.prefix.length) || '/' };
    }
  }
  return undefined;
}

export class Router<T extends Routable> {
  /** Longest prefix first, so the first hit is the best. */
  readonly mounts: readonly T[];
  readonly #hosted: readonly T[];
  readonly #anyHost: readonly T[];

  constructor(mounts: T[]) {
    this.mounts = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
    this.#hosted = this.mounts.filter((m) => m.hosts.length > 0);
    this.#anyHost = this.mounts.filter((m) => m.hosts.length === 0);
  }

  /** `host` is read only when some mount routes by host (reading headers has a cost). */
  match(host: string | undefined | (() => string | undefined), path: string): Match<T> | undefined {
    if (this.#hosted.length > 0) {
      const name = hostname(typeof host === 'function' ? host() : host);
      const byHost = this.#hosted.filter((m) => hostMatches(m.hosts, name));
      if (byHost.length > 0) return byPrefix(byHost, path);
    }
    return byPrefix(this.#anyHost, path);
  }
}
