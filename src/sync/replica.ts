import { FqnTokenCache } from '../core/fqn-token-cache.js';
import { patternMatches } from '../core/pattern-trie.js';
import type { Space } from '../core/space.js';
import { HybridClock, compareWrites } from '../wire/hybrid-clock.js';
import type { ErrMessage } from '../wire/messages.js';
import type { UnconfirmedWrite } from './unconfirmed.js';

/** The state a link holds of one var; updated in place and kept as long as the link (a shared var keeps its own at hand). @internal */
export interface ReplicaRecord extends UnconfirmedWrite {
  readonly fqn: string;
  stamp: string;
  from: string;
  rev: number;
  /** The write was an unmap: a stamped tombstone. */
  deleted: boolean;
}

/** Options of {@link Replica}. @internal */
export interface ReplicaOptions {
  /** The local space, which a correction from the hub writes into. */
  readonly space: Space;
  /** The clock that stamps this link's writes (and observes everyone else's). */
  readonly clock: HybridClock;
}

/**
 * What a link knows of each var's last write — stamp, writer, hub revision, tombstone — and the
 * clock its own writes are stamped with. Records are never replaced, only updated in place: a
 * shared var holds its own, so that its writes reach it without a map lookup. @internal
 *
 * @example
 * const replica = new Replica({ space, clock });
 * replica.adopt('id-1');
 * const record = replica.ownWrite('ui/x', replica.clock.tick());   // its writer is id-1; revision 0 until the hub says
 */
export class Replica {
  /** The clock of this link's stamps (set to the hub's time at each welcome). */
  readonly clock: HybridClock;
  /** The tokens of the FQNs this link meets, parsed once. */
  readonly tokens = new FqnTokenCache();
  /** This link's instance id: the writer of its own records. */
  self = '';
  /** Called with each record that changes (set by persistence; undefined without it). */
  onChange: ((record: ReplicaRecord) => void) | undefined;
  private readonly records = new Map<string, ReplicaRecord>();
  private readonly space: Space;

  constructor(options: ReplicaOptions) {
    this.space = options.space;
    this.clock = options.clock;
  }

  /** The record of `fqn`, if this link holds any state of it. */
  get(fqn: string): ReplicaRecord | undefined {
    return this.records.get(fqn);
  }

  /** The hub revision of the last state of `fqn` this link knows (0 if none). */
  revision(fqn: string): number {
    return this.records.get(fqn)?.rev ?? 0;
  }

  /** Every record, for a resync. */
  all(): IterableIterator<ReplicaRecord> {
    return this.records.values();
  }

  /** Calls `found` with each record whose FQN matches the pattern `tokens`. */
  forEachMatch(tokens: readonly string[], found: (record: ReplicaRecord) => void): void {
    for (const [fqn, record] of this.records) if (patternMatches(tokens, this.tokens.of(fqn))) found(record);
  }

  /** Whether this link holds the state (a value or a tombstone) of a var matching `tokens`. */
  knowsAny(tokens: readonly string[]): boolean {
    for (const fqn of this.records.keys()) if (patternMatches(tokens, this.tokens.of(fqn))) return true;
    return false;
  }

  /** Whether the last write this link knows of is its own. */
  isOwn(record: ReplicaRecord | undefined): boolean {
    return record?.from === this.self;
  }

  /**
   * Takes the id the hub assigned. Given a fresh id after asking to resume another, the link
   * holds its earlier writes (and unconfirmed ones) as its own under the new id, so that a resync
   * sends them again and corrections of them still apply.
   */
  adopt(id: string): void {
    const old = this.self;
    this.self = id;
    // '' too: the writes of a link that started offline and was never welcomed before.
    for (const record of this.records.values()) if (record.from === old) record.from = id;
  }

  /**
   * Records a value write of `fqn` (in place when a record exists).
   * @param record - the current record, when the caller has looked it up (one lookup per update).
   */
  setValue(fqn: string, stamp: string, from: string, rev: number, record = this.records.get(fqn)): ReplicaRecord {
    return this.put(fqn, stamp, from, rev, false, record);
  }

  /** Records an unmap of `fqn` (a stamped tombstone). */
  setTombstone(fqn: string, stamp: string, from: string, rev: number): ReplicaRecord {
    return this.put(fqn, stamp, from, rev, true, this.records.get(fqn));
  }

  /**
   * Records a value write of this link as the state it holds of `fqn`; the var keeps its hub revision.
   * @param record - the var's record, when the caller holds it (a shared var does).
   */
  ownWrite(fqn: string, stamp: string, record = this.records.get(fqn)): ReplicaRecord {
    return this.put(fqn, stamp, this.self, record?.rev ?? 0, false, record);
  }

  /** Records an unmap by this link (a tombstone of its own); the var keeps its hub revision. */
  ownUnmap(fqn: string, stamp: string): ReplicaRecord {
    const record = this.records.get(fqn);
    return this.put(fqn, stamp, this.self, record?.rev ?? 0, true, record);
  }

  /**
   * The hub refused a write of `fqn` and sent its current state: take it, so this replica agrees
   * with the hub again.
   * @param refused - the stamp of the refused write, when the hub names it.
   */
  correct(fqn: string, current: NonNullable<ErrMessage['current']>, refused: string | undefined): void {
    this.clock.observe(current.stamp);
    const record = this.records.get(fqn);
    // The refused write never happened: undo it. But a newer local write (made after the refused
    // one, still on its way) or a newer state from elsewhere wins here as it will at the hub.
    const newerLocal = record !== undefined && record.from === this.self && refused !== undefined && record.stamp > refused;
    const order =
      record && !(record.from === this.self && record.stamp === refused)
        ? compareWrites(current.stamp, current.from, record.stamp, record.from)
        : 1;
    if (newerLocal || order <= 0) {
      if (order === 0) record!.rev = current.rev;
      return;
    }
    this.setValue(fqn, current.stamp, current.from, current.rev, record);
    this.space.ensure(fqn, { origin: current.from, system: true }, current.value);
  }

  // Positional, not an options object: it runs for every write and update.
  private put(fqn: string, stamp: string, from: string, rev: number, deleted: boolean, record: ReplicaRecord | undefined): ReplicaRecord {
    if (record === undefined) {
      const made: ReplicaRecord = {
        fqn,
        stamp,
        from,
        rev,
        deleted,
        unconfirmed: undefined,
        mark: 0,
        olderWrite: undefined,
        newerWrite: undefined,
      };
      this.records.set(fqn, made);
      this.onChange?.(made);
      return made;
    }
    record.stamp = stamp;
    record.from = from;
    record.rev = rev;
    record.deleted = deleted;
    this.onChange?.(record);
    return record;
  }
}
