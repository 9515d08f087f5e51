// The engine's view of the instance a request belongs to, and when a request is served from
// the cache alone.
import type { ServerResponse } from 'node:http';
import type { TroveError } from '../errors.js';
import type { Origin } from '../upstream/upstream-pool.js';
import { fetchForbidden } from './fetch-guard.js';
import type { Resource } from './types.js';

/** What the engine needs to know about the instance a request belongs to. */
export interface Scope {
  instance: string;
  ecosystem: string;
  upstream: Origin;
  offline: boolean;
  /** Status for a miss while offline (Go wants 404 so `,direct` takes over; most want 504). */
  offlineMissStatus: number;
  /** Writes an error in the ecosystem's protocol format. */
  sendError(res: ServerResponse, err: TroveError): void;
}

/** Whether a resource is served from the cache alone (a derived one is made from it). */
export function isOffline(resource: Resource, scope: Scope): boolean {
  return (
    (scope.offline && resource.derived !== true) ||
    resource.cacheOnly === true ||
    (fetchForbidden() && resource.derived !== true)
  );
}
