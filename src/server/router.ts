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

export class Router<T extends Routable> {
  readonly mounts: readonly T[];

  constructor(mounts: T[]) {
    // Longest prefix first, so the first hit is the best.
    this.mounts = [...mounts].sort((a, b) => b.prefix.length - a.prefix.length);
  }

  match(hostHeader: string | undefined, path: string): Match<T> | undefined {
    const host = hostname(hostHeader);
    const byHost = this.mounts.filter((m) => m.hosts.length > 0 && hostMatches(m.hosts, host));
    const pool = byHost.length > 0 ? byHost : this.mounts.filter((m) => m.hosts.length === 0);
    for (const mount of pool) {
      if (mount.prefix === '' || path === mount.prefix || path.startsWith(`${mount.prefix}/`)) {
        return { mount, rest: path.slice(mount.prefix.length) || '/' };
      }
    }
    return undefined;
  }
}
