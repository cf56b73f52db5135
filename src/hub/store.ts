/** The hub's latest state of one var (or its tombstone). */
export interface StoreRecord {
  readonly fqn: string;
  readonly value: unknown;
  /** Hybrid-logical-clock stamp of the write. */
  readonly stamp: string;
  /** Instance id of the writer. */
  readonly from: string;
  /** Hub revision of the write: monotonic across the store (NATS KV style). */
  readonly rev: number;
  /** True for an unmapped var (kept so a late, older write cannot bring it back). */
  readonly deleted: boolean;
}

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
