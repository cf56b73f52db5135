/**
 * One record of a crash-safe log (`src/store-log/`): the latest state of one var, or its
 * tombstone. The hub's store keeps its vars as these (`StoreRecord`); a link's `filePersister`
 * keeps its own state in the same format.
 */
export interface LogRecord {
  readonly fqn: string;
  readonly value: unknown;
  /** Hybrid-logical-clock stamp of the write. */
  readonly stamp: string;
  /** Instance id of the writer. */
  readonly from: string;
  /** Revision of the write: monotonic across the log (the hub's revision in a hub's store). */
  readonly rev: number;
  /** True for an unmapped var (kept so a late, older write cannot bring it back). */
  readonly deleted: boolean;
}
