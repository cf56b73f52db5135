import type { PersistedMeta, PersistedVar, Persister } from './persister.js';

/** A {@link Persister} in memory, and what it holds (to pass to a second link, as a restarted app would). */
export interface MemoryPersister extends Persister {
  /** The saved state of each var, by FQN. */
  readonly vars: Map<string, PersistedVar>;
  /** The saved meta. */
  meta: PersistedMeta | undefined;
}

/**
 * A persister that keeps the state in memory: for tests (a second link given the same persister
 * starts as a restarted app would), and to write a persister of your own against.
 * @returns the persister; `close` keeps what it holds.
 * @example
 * const persist = memoryPersister();
 * const link = await connect(url, { space, persist });
 */
export function memoryPersister(): MemoryPersister {
  const vars = new Map<string, PersistedVar>();
  const persister: MemoryPersister = {
    vars,
    meta: undefined,
    load: () => Promise.resolve({ vars: [...vars.values()].map((v) => ({ ...v })), meta: persister.meta }),
    save(batch) {
      for (const v of batch.vars) vars.set(v.fqn, { ...v });
      persister.meta = batch.meta;
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return persister;
}
