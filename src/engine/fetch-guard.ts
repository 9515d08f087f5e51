// Requests that may read the cache but not cause an upstream fetch (the access rules' cached-only
// subjects). The guard follows the request through the loads an ecosystem makes on its behalf
// (a packument behind a tarball, a version list behind @latest), which is why it is carried by
// async context rather than by each call.
import { AsyncLocalStorage } from 'node:async_hooks';
import { TroveError } from '../errors.js';

interface Guard {
  /** Called each time a fetch is refused (the audit log). */
  refused(): void;
}

const guard = new AsyncLocalStorage<Guard>();

/** Runs `fn` so that every miss inside it is refused instead of fetched. */
export function withoutFetch<T>(refused: () => void, fn: () => T): T {
  return guard.run({ refused }, fn);
}

/** Whether the current request may not fetch. */
export function fetchForbidden(): boolean {
  return guard.getStore() !== undefined;
}

/** The refusal of a fetch, told to the guard. */
export function fetchDeniedError(): TroveError {
  guard.getStore()?.refused();
  return new TroveError(
    'TROVE_ERR_FETCH_DENIED',
    'not in the cache, and this client may read only what is cached',
  );
}
