import { randomUuid } from '../identity/uuid.js';
import { newSecret } from './resume-token.js';
import type { Store, StoreRecord } from './store.js';

/**
 * The default store: a `Map` in memory (a restart loses it, and gets a new epoch and a new
 * resume-token secret).
 * @example startHub({ store: memoryStore() })
 */
export function memoryStore(): Store {
  const byFqn = new Map<string, StoreRecord>();
  let rev = 0;
  return {
    epoch: randomUuid(),
    secret: newSecret(),
    get rev() {
      return rev;
    },
    get: (fqn) => byFqn.get(fqn),
    put(record) {
      byFqn.set(record.fqn, record);
      if (record.rev > rev) rev = record.rev;
    },
    records: () => byFqn.values(),
    close: async () => {},
  };
}
