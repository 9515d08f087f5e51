// An index that could not be opened (a damaged SQLite file): every operation fails with the
// error the open gave, so requests go to the upstream by pass-through and /ready reports why,
// instead of the process failing to start.
import type { CacheIndex } from './cache-index.js';

export function unavailableIndex(cause: unknown): CacheIndex {
  const fail = (): Promise<never> => Promise.reject(cause);
  return new Proxy({} as CacheIndex, {
    get(_target, name) {
      if (name === 'close') return () => Promise.resolve();
      if (name === 'digests') {
        return async function* (): AsyncGenerator<string> {
          yield* [];
          throw cause;
        };
      }
      // Not a thenable: an `await` of the index itself must not call `then`.
      if (name === 'then') return undefined;
      return fail;
    },
  });
}
