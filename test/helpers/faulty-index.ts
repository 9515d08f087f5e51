// An Index driver that fails on demand, as better-sqlite3 does (an Error with a SQLITE_* code),
// for the driver errors that cannot be produced for real here (a read-only index.db as root).
import type { CacheIndex } from '../../src/index/cache-index.js';

export interface Faulty {
  index: CacheIndex;
  /** Operation name (or '*') -> the driver code to fail it with. */
  failing: Map<string, string>;
  /** Failed calls by operation. */
  failures: Map<string, number>;
}

export function faultyIndex(inner: CacheIndex): Faulty {
  const failing = new Map<string, string>();
  const failures = new Map<string, number>();
  const index = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'close') return (value as () => unknown).bind(target);
      return (...args: unknown[]) => {
        const op = String(prop);
        const code = failing.get(op) ?? failing.get('*');
        if (!code) return (value as (...a: unknown[]) => unknown).apply(target, args);
        failures.set(op, (failures.get(op) ?? 0) + 1);
        const err = Object.assign(new Error(`injected ${code}`), { code });
        if (op === 'digests') {
          return (async function* () {
            yield* [];
            throw err;
          })();
        }
        return Promise.reject(err);
      };
    },
  });
  return { index, failing, failures };
}
