// The GOPROXY chain with one rule added for consistency: once an upstream has answered for a
// canonical module@version, its .info, .mod and .zip all come from that same upstream, so a
// version is never assembled from two different copies (go-mod-proxy's guarantee). The pins
// are kept in the index by upstream URL, so they hold across restarts (and a reordered chain).
import type { Logger } from 'pino';
import type { RecordStore } from '../ecosystem.js';
import {
  chainFetch,
  type ChainLink,
  type FetchInit,
  type Origin,
  type UpstreamResponse,
} from '../../upstream/upstream-pool.js';
import { parseUpstreamPath } from './go-request.js';

/** Pins held in memory; older ones are read back from the index when asked for. */
const MAX_PINS = 100_000;

/** "module@version" for canonical .info/.mod/.zip paths, else null. */
export function versionOf(path: string): string | null {
  const parsed = parseUpstreamPath(path);
  if (!parsed.ok) return null;
  const ep = parsed.endpoint;
  if (ep.kind !== 'info' && ep.kind !== 'mod' && ep.kind !== 'zip') return null;
  return ep.canonical ? `${ep.module}@${ep.version}` : null;
}

/** A link of the chain with the URL its pins are recorded by. */
export interface NamedLink extends ChainLink {
  url: string;
}

export class PinnedChain implements Origin {
  readonly #links: readonly NamedLink[];
  readonly #records: RecordStore;
  readonly #log: Logger;
  /** module@version → the URL of the upstream that answered first. */
  readonly #pins = new Map<string, string>();

  constructor(links: readonly NamedLink[], records: RecordStore, log: Logger) {
    this.#links = links;
    this.#records = records;
    this.#log = log;
  }

  async fetch(path: string, init: FetchInit = {}): Promise<UpstreamResponse> {
    const version = this.#links.length > 1 ? versionOf(path) : null;
    const url = version === null ? undefined : await this.#pin(version);
    const at = url === undefined ? -1 : this.#links.findIndex((l) => l.url === url);
    const link = this.#links[at];
    if (link) return { ...(await link.fetch(path, init)), upstream: at };
    const res = await chainFetch(this.#links, path, init);
    const answered = this.#links[res.upstream];
    if (version === null || res.status !== 200 || !answered) return res;
    // First writer wins, across workers (and processes sharing the index): if another one
    // pinned this version to another upstream meanwhile, its copy is the one served.
    const winner = await this.#remember(version, answered.url);
    const other = this.#links.findIndex((l) => l.url === winner);
    const first = this.#links[other];
    if (winner === answered.url || !first) return res;
    res.body.destroy();
    return { ...(await first.fetch(path, init)), upstream: other };
  }

  async #pin(version: string): Promise<string | undefined> {
    const held = this.#pins.get(version);
    if (held !== undefined) return held;
    const stored = await this.#records.get(version).catch((err: unknown) => {
      this.#log.warn({ err, version }, 'a module pin could not be read');
      return undefined;
    });
    if (typeof stored !== 'string') return undefined;
    this.#hold(version, stored);
    return stored;
  }

  /** Pins `version` to `url` unless it is pinned already; returns the pin that stands. */
  async #remember(version: string, url: string): Promise<string> {
    const stored = await this.#records.create(version, url).catch((err: unknown) => {
      this.#log.warn({ err, version }, 'a module pin was not saved');
      return url;
    });
    const pin = typeof stored === 'string' ? stored : url;
    this.#hold(version, pin);
    return pin;
  }

  #hold(version: string, url: string): void {
    if (this.#pins.size >= MAX_PINS) this.#pins.delete(this.#pins.keys().next().value as string);
    this.#pins.set(version, url);
  }
}
