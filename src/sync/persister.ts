/**
 * The version of what a link persists (the shape of {@link PersistedVar} and {@link PersistedMeta}).
 * A link refuses, with a `StoreError`, state persisted with any other version rather than misread it
 * (and then leaves it untouched); a later version migrates from this one.
 */
export const PERSIST_FORMAT = 1;

/** The persisted state of one var: its last write as the link knows it, and the link's own write to send again. */
export interface PersistedVar {
  readonly fqn: string;
  /** The value (absent for a tombstone). */
  readonly value?: unknown;
  /** The write's hybrid-clock stamp. */
  readonly stamp: string;
  /** The writer's instance id. */
  readonly from: string;
  /** The hub revision of the write (0 for an own write the hub has not confirmed yet). */
  readonly rev: number;
  /** The var was unmapped (a tombstone). */
  readonly deleted: boolean;
  /**
   * The link's own write, as it is sent again after a restart (opaque). Saved with the write, not
   * cleared when the hub confirms it (that would cost a second save per write): sent again with
   * its stamp, a write the hub has already changes nothing there. Absent once a later state of the
   * var (a follower's update, a correction) replaced it.
   */
  readonly pending?: string;
}

/** What a link persists besides its vars: who it is, and up to which revision each follow is in step. */
export interface PersistedMeta {
  /** {@link PERSIST_FORMAT} of the writer. */
  readonly format: number;
  /** The instance id, and the token to resume it with ('' before the first welcome). */
  readonly instanceId: string;
  readonly token: string;
  /** The hub state's epoch and the hub's instance id at the last welcome. */
  readonly epoch: string;
  readonly hubId: string;
  /** Follow pattern → the hub revision it is in step up to (in `epoch`). */
  readonly follows: Readonly<Record<string, number>>;
}

/** What a persister loads. */
export interface PersistedState {
  /** The latest persisted state of each var (at most one per FQN). */
  readonly vars: readonly PersistedVar[];
  /** The latest persisted meta, if any was saved. */
  readonly meta: PersistedMeta | undefined;
  /** Damaged records the persister skipped (a failed checksum, a record it could not decode). */
  readonly skipped?: number;
}

/** What a link hands its persister at the end of a tick: the vars that changed (the latest state of each) and its meta. */
export interface PersistBatch {
  readonly vars: readonly PersistedVar[];
  readonly meta: PersistedMeta;
}

/**
 * Where a link keeps its state across a reload or a crash (`connect(url, { persist })`). A
 * persister stores, per FQN, the latest {@link PersistedVar} it was given (a later one replaces an
 * earlier one), and the latest {@link PersistedMeta}. It serves one link at a time, and the link
 * calls it in order: `load` once before anything else, then `save`s one after another (never two
 * at once), then `close`. `save` should store its batch atomically (all or nothing): a batch
 * cut in half by a crash may keep a var's write without the meta that follows it, which is safe,
 * but not the other way round. Throw or reject (ideally with a `StoreError`) on failure: the link
 * reports it on `errors$`, stops persisting and keeps working online.
 *
 * Built in: `memoryPersister()` (tests), `filePersister(dir)` (Node), `indexedDbPersister(name)` (browsers).
 *
 * @example
 * // A persister over localStorage (small states only: every save rewrites one key).
 * function localStoragePersister(key: string): Persister {
 *   let state: { vars: Record<string, PersistedVar>; meta?: PersistedMeta } = { vars: {} };
 *   return {
 *     async load() {
 *       state = JSON.parse(localStorage.getItem(key) ?? '{"vars":{}}');
 *       return { vars: Object.values(state.vars), meta: state.meta };
 *     },
 *     async save({ vars, meta }) {
 *       for (const v of vars) state.vars[v.fqn] = v;
 *       state.meta = meta;
 *       localStorage.setItem(key, JSON.stringify(state));
 *     },
 *     async close() {},
 *   };
 * }
 */
export interface Persister {
  /** Reads what was saved before (empty state the first time). @throws rejects when the storage cannot be read. */
  load(): Promise<PersistedState>;
  /** Stores a batch (each var replaces the one of its FQN; the meta replaces the meta). @throws rejects when it could not be stored. */
  save(batch: PersistBatch): Promise<void>;
  /** Releases the storage (the link closes). */
  close(): Promise<void>;
}

/** Counters of a link's persistence (`link.stats().persist`). */
export interface PersistStats {
  /** Vars hydrated from the persister at start. */
  readonly loaded: number;
  /** Damaged or malformed records skipped at load (the persister's count and the link's). */
  readonly skipped: number;
  /** Saves completed, and the var states they held. */
  readonly saves: number;
  readonly savedVars: number;
  /** The persister failed (then the link stops persisting): the error also went to `errors$`. */
  readonly failed: boolean;
}
