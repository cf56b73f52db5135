import { StoreError, ValidationError } from '../core/errors.js';
import { compareWrites } from '../wire/hybrid-clock.js';
import type { PersistedMeta, PersistedState, PersistedVar, Persister } from './persister.js';

/** At most this many tabs persist into one database at once, each in a slot of its own. */
const MAX_SLOTS = 64;

/** A stored var: its slot, and its state. */
type Row = PersistedVar & { readonly s: number };

/**
 * A persister that keeps a link's state in IndexedDB (browsers and workers). Each tab (or worker)
 * of an app takes a slot of the database of its own with a Web Lock (the first free one, held
 * while it lives): its instance id, resume token, follow revisions and unconfirmed writes are its
 * own, so two tabs are two instances and neither loses the other's writes. At load a tab sees the
 * newest state of every var from all slots (by stamp), and the unconfirmed writes of its slot —
 * those of a tab that closed before the hub confirmed them, sent by the next tab that takes the
 * slot. Each save is one transaction.
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
  let release: (() => void) | undefined;
  return {
    async load(): Promise<PersistedState> {
      [slot, release] = await takeSlot(name);
      db = await openDb(name);
      const store = db.transaction(['vars', 'meta']);
      const [rows, meta] = await Promise.all([
        done<Row[]>(store.objectStore('vars').getAll()),
        done<PersistedMeta | undefined>(store.objectStore('meta').get(slot)),
      ]);
      // The newest state of each var from every slot; the unconfirmed writes of this slot only (another's are its tab's to send).
      const newest = new Map<string, Row>();
      const pending = new Map<string, string>();
      for (const row of rows) {
        if (row.s === slot && row.pending !== undefined) pending.set(row.fqn, row.pending);
        const known = newest.get(row.fqn);
        if (!known || compareWrites(row.stamp, row.from, known.stamp, known.from) > 0) newest.set(row.fqn, row);
      }
      for (const row of newest.values())
        if (row.pending !== pending.get(row.fqn)) newest.set(row.fqn, { ...row, pending: pending.get(row.fqn) });
      return { vars: [...newest.values()], meta };
    },
    save({ vars, meta }): Promise<void> {
      if (!db) return Promise.reject(new StoreError(`IndexedDB ${name}: not loaded (or closed)`));
      const tx = db.transaction(['vars', 'meta'], 'readwrite');
      const store = tx.objectStore('vars');
      for (const held of vars) store.put({ ...held, s: slot });
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
      request.result.createObjectStore('vars', { keyPath: ['s', 'fqn'] });
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
