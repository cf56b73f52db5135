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
 * writes. At load a tab sees the newest state of every var from all slots (by stamp), and takes
 * the writes to send again of its own slot and of every slot whose tab is gone (its lock is free):
 * those of a tab that closed before the hub had them are sent by the next tab that loads.
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
      // Each slot's log folded (a later record wins), then the newest by stamp across slots. The
      // writes to send again: this slot's, and those of slots whose tab is gone (their lock is
      // free: nobody else sends them; sent twice, when a tab takes that slot later, they change
      // nothing), the newest per var.
      const newest = new Map<string, PersistedVar>();
      const resend = new Map<string, PersistedVar>();
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
        const sends = at === slot || (await lockSlot(name, at, Promise.resolve())) !== undefined;
        for (const held of folded.values()) {
          if (newer(held, newest.get(held.fqn))) newest.set(held.fqn, held);
          if (sends && held.pending !== undefined && newer(held, resend.get(held.fqn))) resend.set(held.fqn, held);
        }
      }
      for (const held of newest.values()) {
        const pending = resend.get(held.fqn)?.pending;
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

/** Whether `held` is newer than `known` (or there is none). */
function newer(held: PersistedVar, known: PersistedVar | undefined): boolean {
  return !known || compareWrites(held.stamp, held.from, known.stamp, known.from) > 0;
}

/** Takes the first free slot of `name` with a Web Lock, held until the returned release (slot 0 where there are no Web Locks). */
async function takeSlot(name: string): Promise<[number, (() => void) | undefined]> {
  for (let slot = 0; slot < MAX_SLOTS; slot++) {
    let release!: () => void;
    const taken = await lockSlot(name, slot, new Promise<void>((resolve) => (release = resolve)));
    if (taken !== undefined) return [slot, taken ? release : undefined];
  }
  throw new StoreError(`IndexedDB ${name}: all ${MAX_SLOTS} slots are in use`);
}

/**
 * Takes the lock of a slot if it is free, held until `held` settles: true, or false where there
 * are no Web Locks (slot 0 is then free, the others not); undefined when another tab holds it.
 */
async function lockSlot(name: string, slot: number, held: Promise<void>): Promise<boolean | undefined> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks) return slot === 0 ? false : undefined;
  return new Promise((answer) => {
    void locks.request(`varspace-persist:${name}:${slot}`, { ifAvailable: true }, (lock) => {
      answer(lock ? true : undefined);
      return lock && held;
    });
  });
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
