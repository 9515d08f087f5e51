// The GOPROXY chain with one rule added for consistency: once an upstream has answered for a
// canonical module@version, its .info, .mod and .zip all come from that same upstream, so a
// version is never assembled from two different copies (go-mod-proxy's guarantee).
import {
  chainFetch,
  type ChainLink,
  type FetchInit,
  type Origin,
  type UpstreamResponse,
} from '../../upstream/upstream-pool.js';
import { parseUpstreamPath } from './go-request.js';

const MAX_PINS = 100_000;

/** "module@version" for canonical .info/.mod/.zip paths, else null. */
export function versionOf(path: string): string | null {
  const parsed = parseUpstreamPath(path);
  if (!parsed.ok) return null;
  const ep = parsed.endpoint;
  if (ep.kind !== 'info' && ep.kind !== 'mod' && ep.kind !== 'zip') return null;
  return ep.canonical ? `${ep.module}@${ep.version}` : null;
}

export class PinnedChain implements Origin {
  readonly #links: readonly ChainLink[];
  readonly #pins = new Map<string, number>();

  constructor(links: readonly ChainLink[]) {
    this.#links = links;
  }

  async fetch(path: string, init: FetchInit = {}): Promise<UpstreamResponse> {
    const version = this.#links.length > 1 ? versionOf(path) : null;
    const pinned = version === null ? undefined : this.#pins.get(version);
    const link = pinned === undefined ? undefined : this.#links[pinned];
    if (link) return { ...(await link.fetch(path, init)), upstream: pinned as number };
    const res = await chainFetch(this.#links, path, init);
    if (version !== null && res.status === 200) {
      if (this.#pins.size >= MAX_PINS) this.#pins.delete(this.#pins.keys().next().value as string);
      this.#pins.set(version, res.upstream);
    }
    return res;
  }
}
