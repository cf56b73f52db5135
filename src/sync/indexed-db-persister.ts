import { StoreError, ValidationError } from '../core/errors.js';
import { compareWrites } from '../wire/hybrid-clock.js';
import type { PersistedMeta, PersistedState, PersistedVar, Persister } from './persister.js';

/** At most this many tabs persist into one database at once, each in a slot of its own. */
const MAX_SLOTS = 64;
/** A slot's log is compacted into one record once it holds this many. */
const COMPACT_AFTER = 256;

/**
 * A persister that keeps a link's state in IndexedDB (browsers and workers), as a log: each save
 * is one record (the batch's vars, one structured clone) and the meta, in one transaction; a
 * slot's records are folded into one as they pile up, so that a load reads a few large records
 * rather than one per var. Each tab (or worker) of an app takes a slot of its own with a Web Lock
 * (the first free one, held while it lives): its instance id, resume token, follow revisions and
 * unconfirmed writes are its own, so two tabs are two instances and neither loses the other's
 * writes. At load a tab sees the newest state of every var from all slots (by stamp), and the
 * unconfirmed writes of its own slot — those of a tab that closed before the hub confirmed them
 * are sent by the next tab that takes the slot.
 *
 * @param name the database's name (one per app).
 * @returns the persister, opened by the link's `load`.
 * @throws {ValidationError} for an empty name; `load` rejects with {@link StoreError} when the
 *   database cannot be opened (blocked, a newer version, no IndexedDB), `save` when a transaction
 *   fails (e.g. the quota is exceeded).
 * @example
 * const link = await connect('/hub', { space, persist: indexedDbPersister('todo'), offline: true });
 */
export function indexedDbPersister(name: string): Persister {
  if (typeof name !== 'string' || name === '') throw new ValidationError('indexedDbPersister: name must be a non-empty string');
  let db: IDBDatabase | undefined;
  let slot = 0;
  let seq = 1;
  let records = 0;
  let release: (() => void) | undefined;
  /** This slot's latest state of each var (what a compaction writes). */
  const own = new Map<string, PersistedVar>();
  return {
    async load(): Promise<PersistedState> {
      [slot, release] = await takeSlot(name);
      db = await openDb(name);
      const tx = db.transaction(['log', 'meta']);
      const log = tx.objectStore('log');
      const [keys, batches, meta] = await Promise.all([
        done<[number, number][]>(log.getAllKeys()),
        done<PersistedVar[][]>(log.getAll()),
        done<PersistedMeta | undefined>(tx.objectStore('meta').get(slot)),
      ]);
      // Each slot's log folded (a later record wins), then the newest by stamp across slots; the
      // unconfirmed writes of this slot only (another's are its tab's to send).
      const newest = new Map<string, PersistedVar>();
      for (let first = 0; first < keys.length;) {
        const at = keys[first][0];
        const folded = at === slot ? own : new Map<string, PersistedVar>();
        let i = first;
        for (; i < keys.length && keys[i][0] === at; i++) for (const held of batches[i]) folded.set(held.fqn, held);
        if (at === slot) {
          records = i - first;
          seq = keys[i - 1][1] + 1;
        }
        first = i;
        for (const held of folded.values()) {
          const known = newest.get(held.fqn);
          if (!known || compareWrites(held.stamp, held.from, known.stamp, known.from) > 0) newest.set(held.fqn, held);
        }
      }
      for (const held of newest.values()) {
        const pending = own.get(held.fqn)?.pending;
        if (held.pending !== pending) newest.set(held.fqn, { ...held, pending });
      }
      return { vars: [...newest.values()], meta };
    },
    save({ vars, meta }): Promise<void> {
      if (!db) return Promise.reject(new StoreError(`IndexedDB ${name}: not loaded (or closed)`));
      const tx = db.transaction(['log', 'meta'], 'readwrite');
      const log = tx.objectStore('log');
      for (const held of vars) own.set(held.fqn, held);
      if (++records > COMPACT_AFTER) {
        log.delete(IDBKeyRange.bound([slot, 0], [slot, seq]));
        log.put([...own.values()], [slot, seq++]);
        records = 1;
      } else log.put(vars, [slot, seq++]);
      tx.objectStore('meta').put(meta, slot);
      return new Promise((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = tx.onabort = () => reject(idbError(`IndexedDB ${name}: save failed`, tx.error));
      });
    },
    close(): Promise<void> {
      db?.close();
      db = undefined;
      release?.();
      return Promise.resolve();
    },
  };
}

/** Takes the first free slot of `name` with a Web Lock, held until the returned release (slot 0 where there are no Web Locks). */
async function takeSlot(name: string): Promise<[number, (() => void) | undefined]> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return [0, undefined];
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const taken = await new Promise<boolean>((answer) => {
      void locks.request(`varspace-persist:${name}:${slot}`, { ifAvailable: true }, (lock) => {
        answer(lock !== null);
        return lock && held;
      });
    });
    if (taken) return [slot, release];
  }
  throw new StoreError(`IndexedDB ${name}: all ${MAX_SLOTS} slots are in use`);
}

function openDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    let request: IDBOpenDBRequest;
    try {
      request = indexedDB.open(name, 1);
    } catch (error) {
      reject(idbError(`IndexedDB ${name}: cannot open`, error));
      return;
    }
    request.onupgradeneeded = () => {
      request.result.createObjectStore('log');
      request.result.createObjectStore('meta');
    };
    request.onsuccess = () => resolve(request.result);
    // A newer version (`VersionError`) is refused, never misread.
    request.onerror = () => reject(idbError(`IndexedDB ${name}: cannot open`, request.error));
    request.onblocked = () => reject(new StoreError(`IndexedDB ${name}: blocked by another connection`));
  });
}

function done<T>(request: IDBRequest): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result as T);
    request.onerror = () => reject(idbError('IndexedDB read failed', request.error));
  });
}

function idbError(message: string, error: unknown): StoreError {
  const cause = error as DOMException | null;
  return new StoreError(`${message}: ${cause?.message ?? String(error)}`, cause?.name ? { cause: cause.name } : {});
}
