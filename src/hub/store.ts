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
}
