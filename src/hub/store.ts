import type { LogRecord } from '../store-log/log-record.js';

/** The hub's latest state of one var (or its tombstone); `rev` is the hub revision of the write (NATS KV style). */
export type StoreRecord = LogRecord;

/**
 * Where a hub keeps the latest value and stamp of every var. Memory by default; `fileStore`
 * survives crashes. `epoch` identifies the store's history: a client that reconnects to the same
 * epoch can resync from a revision.
 */
export interface Store {
  /** Identifies this store's history (changes when the state is lost). */
  readonly epoch: string;
  /** The highest revision written. */
  readonly rev: number;
  /**
   * The key of the hub's resume tokens when the hub has no `secret` option (optional: without
   * one the hub makes a random secret per start). A durable store keeps it, so that tokens
   * survive a restart.
   */
  readonly secret?: string;
  /** The record of `fqn`, if any. */
  get(fqn: string): StoreRecord | undefined;
  /**
   * Records an accepted write (its `rev` must be `rev + 1`). Resolves once durable; puts settle in
   * the order they were made (the hub answers a writer's marks once its last put settles).
   */
  put(record: StoreRecord): Promise<void> | void;
  /** Every record, in no particular order. */
  records(): Iterable<StoreRecord>;
  /** Flushes and releases resources. */
  close(): Promise<void>;
  /**
   * A shared store (several hubs on one truth, e.g. `natsStore`) has it, and the hub then uses it
   * instead of `put`: it stores `record` against the shared truth (last writer wins by stamp, with
   * conditional updates) and resolves with what the store holds for the var after it — `record`
   * with the store's revision, or the newer write it lost to. The hub routes nothing itself: it
   * routes what {@link changes} reports, and acks the writer once this resolves.
   * @param expectedRev - a `cas`: stored only if the var's revision is this one (0: none, or deleted).
   * @throws rejects with ConflictError (`expectedRev` did not match) or StoreUnavailableError.
   */
  commit?(record: StoreRecord, expectedRev?: number): Promise<StoreRecord>;
  /**
   * A shared store: calls `listener` with every record stored by any hub (this one included), in
   * revision order, once `get` and `records` hold it.
   * @returns a function that stops the calls.
   */
  changes?(listener: (record: StoreRecord) => void): () => void;
  /** Whether the store takes writes now (a shared store can lose its server): `/health` and `/metrics` report it. */
  health?(): StoreHealth;
  /**
   * A shared store: each hub writes `$sys.hubs/<hub id>` every `intervalMs`; a hub not heard from for
   * `timeoutMs` is dead, and the others remove its instances.
   */
  readonly liveness?: { readonly intervalMs: number; readonly timeoutMs: number };
}

/** What {@link Store.health} reports. */
export interface StoreHealth {
  readonly ok: boolean;
  /** Why not, when not ok. */
  readonly reason?: string;
}
