// How a checksum database is reached, as the go command decides it (go.dev/ref/mod, "Checksum
// database"; design 25530 "Proxying a checksum database"): each proxy of the chain before
// `direct` is asked `<proxy>/sumdb/<name>/supported`; the first that answers 200 carries every
// lookup and tile; a 404 or 410 passes to the next; the database's own URL is used only after
// the chain. Any other answer means the database is unavailable now, and is not remembered.
import type { Logger } from 'pino';
import { TroveError } from '../../../errors.js';
import type { FetchInit, Origin, UpstreamResponse } from '../../../upstream/upstream-pool.js';
import { transportError } from '../../../upstream/errors.js';

export interface SumdbProxy {
  url: string;
  origin: Origin;
}

interface Route {
  origin: Origin;
  prefix: string;
  via: string;
}

/** How long a route found is used before the proxies are asked again. */
const ROUTE_FOR = 60 * 60 * 1000;

export class SumdbRoute implements Origin {
  readonly #name: string;
  readonly #proxies: readonly SumdbProxy[];
  readonly #direct: Origin;
  readonly #directUrl: string;
  readonly #log: Logger;
  readonly #now: () => number;
  #route: { route: Route; until: number } | null = null;
  #finding: Promise<Route> | null = null;

  constructor(
    name: string,
    proxies: readonly SumdbProxy[],
    direct: { url: string; origin: Origin },
    log: Logger,
    now: () => number = Date.now,
  ) {
    this.#name = name;
    this.#proxies = proxies;
    this.#direct = direct.origin;
    this.#directUrl = direct.url;
    this.#log = log;
    this.#now = now;
  }

  async fetch(path: string, init?: FetchInit): Promise<UpstreamResponse> {
    const route = await this.#current();
    return route.origin.fetch(`${route.prefix}${path}`, init);
  }

  #current(): Promise<Route> {
    if (this.#route && this.#route.until > this.#now()) return Promise.resolve(this.#route.route);
    this.#finding ??= this.#find().finally(() => (this.#finding = null));
    return this.#finding;
  }

  async #find(): Promise<Route> {
    const supported = `sumdb/${this.#name}/supported`;
    let route: Route = { origin: this.#direct, prefix: '', via: this.#directUrl };
    for (const p of this.#proxies) {
      let res: UpstreamResponse;
      try {
        res = await p.origin.fetch(supported);
      } catch (err) {
        throw err instanceof TroveError ? err : transportError(err, `${p.url}/${supported}`);
      }
      res.body.resume();
      if (res.status === 404 || res.status === 410) continue;
      if (res.status !== 200) {
        throw new TroveError(
          'TROVE_ERR_UPSTREAM_STATUS',
          `checksum database ${this.#name}: ${p.url}/${supported} answered ${res.status}`,
        );
      }
      route = { origin: p.origin, prefix: `sumdb/${this.#name}/`, via: p.url };
      break;
    }
    this.#log.info({ sumdb: this.#name, via: route.via }, 'checksum database route');
    this.#route = { route, until: this.#now() + ROUTE_FOR };
    return route;
  }
}
