import type { LogRecord as StoreRecord } from './log-record.js';

/**
 * What a file store holds in memory: the latest record of every var (tombstones included), the
 * highest revision, the epoch, and the bytes the records take as lines (what a snapshot of them
 * would take, so that compaction knows when the log has grown past it).
 */
export class LiveState {
  /** The store's history (set by recovery). */
  epoch = '';
  /** The highest revision held. */
  rev = 0;
  /** Bytes of the records as lines. */
  bytes = 0;
  private readonly byFqn = new Map<string, StoreRecord>();
  private readonly sizes = new Map<string, number>();

  /** Vars held, tombstones included. */
  get size(): number {
    return this.byFqn.size;
  }

  /**
   * The record of `fqn`, if any.
   * @param fqn the var's name.
   */
  get(fqn: string): StoreRecord | undefined {
    return this.byFqn.get(fqn);
  }

  /** Every record, in no particular order (live: a later `set` shows through). */
  records(): Iterable<StoreRecord> {
    return this.byFqn.values();
  }

  /**
   * Holds a new write (its revision is the store's next one).
   * @param record the record to keep.
   * @param bytes the length of its line.
   */
  set(record: StoreRecord, bytes: number): void {
    this.hold(record, bytes);
    this.rev = record.rev;
  }

  /**
   * Holds a record read back from disk, unless a newer one of the same var is held already.
   * @param record the record read.
   * @param bytes the length of its line.
   */
  apply(record: StoreRecord, bytes: number): void {
    const held = this.byFqn.get(record.fqn);
    if (held && held.rev >= record.rev) return;
    this.hold(record, bytes);
    if (record.rev > this.rev) this.rev = record.rev;
  }

  private hold(record: StoreRecord, bytes: number): void {
    this.bytes += bytes - (this.sizes.get(record.fqn) ?? 0);
    this.sizes.set(record.fqn, bytes);
    this.byFqn.set(record.fqn, record);
  }

  /** A copy of every record as of now, and the revision it is complete up to (what a snapshot writes). */
  capture(): { readonly records: readonly StoreRecord[]; readonly rev: number } {
    return { records: [...this.byFqn.values()], rev: this.rev };
  }
}
