// Who fills a key when several processes share one cache. The engine asks before it starts an
// upstream fill: either this process owns the fill, or another one is running it and the engine
// joins its live body. One process alone always owns its fills (LocalLeases).
import type { Fill } from './fill.js';
import type { FillView } from './fill-view.js';

export type Claim =
  | {
      kind: 'own';
      /**
       * Another process may have committed the key between this process's lookup and the
       * claim: look in the index once more before fetching.
       */
      recheck: boolean;
      /** Hands the started fill over, so other processes can join it. */
      publish(fill: Fill): void;
      /** Gives the claim back without filling (the recheck found the key committed). */
      abandon(): void;
    }
  | { kind: 'join'; fill: FillView };

export interface FillLeases {
  claim(key: string): Promise<Claim>;
  /**
   * The fill of `key` another process on this machine runs, to join; null when none does
   * (never starts one). Another replica asks this through its internal endpoint.
   */
  joinOnly?(key: string): Promise<FillView | null>;
}

const OWN: Claim = {
  kind: 'own',
  recheck: false,
  publish: () => undefined,
  abandon: () => undefined,
};

/** One process: every fill is this process's own. */
export class LocalLeases implements FillLeases {
  claim(): Promise<Claim> {
    return Promise.resolve(OWN);
  }
}
