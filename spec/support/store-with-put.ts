import type { Store, StoreRecord } from '../../src/index.js';

/**
 * A store that delegates to `inner` but for `put`, which `put` replaces (to log, hold back or
 * fail writes). `inner` is passed in, so that specs that mock modules import the store themselves.
 */
export function storeWithPut(inner: Store, put: (record: StoreRecord) => Promise<void> | void): Store {
  return {
    get epoch() {
      return inner.epoch;
    },
    get rev() {
      return inner.rev;
    },
    get: (fqn) => inner.get(fqn),
    records: () => inner.records(),
    close: () => inner.close(),
    put,
  };
}
