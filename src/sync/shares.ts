import { Subscription } from 'rxjs';
import { checkJsonValue } from '../core/json-value.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import type { HybridClock } from '../wire/hybrid-clock.js';
import { pubEntryText } from '../wire/state-text.js';
import type { LinkSubscription } from './link.js';
import type { Replica, ReplicaRecord } from './replica.js';
import type { WriteMarks } from './write-marks.js';
import { withSynced } from './with-synced.js';

/** A local var a link shares: how many shares cover it, and its write hook. */
interface SharedVar {
  count: number;
  stop: () => void;
  owned: boolean;
  /** Its record once it has one (records are never replaced, so it stays valid). */
  record: ReplicaRecord | undefined;
}

/** Options of {@link Shares}. @internal */
export interface SharesOptions {
  /** The local space whose vars are shared. */
  readonly space: Space;
  /** Where each write is recorded as this link's own. */
  readonly replica: Replica;
  /** Queues each write until the hub confirms it. */
  readonly marks: WriteMarks;
  /** Reports an error with no caller. */
  readonly fail: (error: unknown) => void;
}

/**
 * A link's shares: the local vars it sends, each with a write hook that publishes the var's local
 * writes (those with no origin: a write that came from the hub, or that `set` or `cas` sent
 * already, carries one) straight to the var's own record; their unmaps, sent as tombstones; and,
 * after the hub lost its state, every own write sent again. @internal
 *
 * @example
 * const sub = shares.share('ui.>', false);   // sends the current values, then each local write
 */
export class Shares {
  /** Values sent. */
  valuesOut = 0;
  private readonly shared = new Map<Var<any>, SharedVar>();
  private readonly space: Space;
  private readonly replica: Replica;
  private readonly clock: HybridClock;
  private readonly marks: WriteMarks;
  private readonly fail: (error: unknown) => void;

  constructor(options: SharesOptions) {
    this.space = options.space;
    this.replica = options.replica;
    this.clock = options.replica.clock;
    this.marks = options.marks;
    this.fail = options.fail;
  }

  /** Shares the vars matching `pattern`, owned (removed at the hub when this link leaves) if `owned`: see `Link.share`. */
  share(pattern: string, owned: boolean): LinkSubscription {
    const vars = new Set<Var<any>>();
    const watching = this.space.vars$(pattern).subscribe((target) => {
      vars.add(target);
      this.shareVar(target, owned);
    });
    const unmaps = this.space.events$(pattern).subscribe((event) => {
      if (event.type !== 'var-unmapped') return;
      for (const target of vars) {
        if (target.fqn === event.fqn) {
          vars.delete(target);
          this.unshareVar(target);
          // A local unmap is a write (a stamped tombstone); one that came from the hub is not sent back.
          if (event.origin === undefined) this.sendDel(event.fqn);
        }
      }
    });
    const subscription = new Subscription(() => {
      watching.unsubscribe();
      unmaps.unsubscribe();
      for (const target of vars) this.unshareVar(target);
      vars.clear();
    });
    return withSynced(subscription, this.marks.confirmed());
  }

  /** After a reconnect to a hub that lost its state (a restart with an empty store): sends every own write again. */
  republish(): void {
    for (const [target, entry] of this.shared) {
      const record = this.replica.get(target.fqn);
      if (target.bound && (!record || this.replica.isOwn(record))) this.publishHeld(target, record?.stamp, entry.owned);
    }
    // …and the own writes of vars it does not share (`set`, `cas`), with their stamps, and its own
    // unmaps (tombstones), so that no older write brings a deleted var back.
    for (const record of this.replica.all()) {
      if (!this.replica.isOwn(record) || record.unconfirmed !== undefined) continue;
      if (record.deleted) {
        this.sendDel(record.fqn, record.stamp);
        continue;
      }
      const target = this.space.resolve(record.fqn);
      if (target?.bound && !this.shared.has(target)) this.publish(record.fqn, target.getValue(), record.stamp, false);
    }
  }

  /** The link closed: every write hook goes. */
  close(): void {
    for (const [target, { stop }] of this.shared) {
      stop();
      target.requireJson(false);
    }
    this.shared.clear();
  }

  private shareVar(target: Var<any>, ownedByShare: boolean): void {
    const entry = this.shared.get(target);
    if (entry) {
      entry.count++;
      entry.owned ||= ownedByShare;
      return;
    }
    const shared: SharedVar = { count: 1, stop: () => {}, owned: ownedByShare, record: undefined };
    // A var is owned when a share says so or its meta names this instance (gproc-style clean-up at the hub).
    const owned = () => shared.owned || target.meta.owner === this.replica.self;
    shared.stop = target.onWrite((value, origin) => {
      if (origin === undefined) shared.record = this.publish(target.fqn, value, undefined, owned(), shared.record);
    });
    // What cannot be sent is refused as a validator refuses: the local write throws, nothing changes.
    target.requireJson(true);
    this.shared.set(target, shared);
    const record = this.replica.get(target.fqn);
    // Not sent back: a value that came from the hub. Sent with a new stamp: a var interned again
    // after an unmap (from here or from the hub), which is newer than the tombstone.
    if (target.bound && (!record || record.deleted || this.replica.isOwn(record))) {
      shared.record = this.publishHeld(target, record?.deleted ? undefined : record?.stamp, owned());
    }
  }

  private unshareVar(target: Var<any>): void {
    const entry = this.shared.get(target);
    if (!entry || --entry.count > 0) return;
    entry.stop();
    target.requireJson(false);
    this.shared.delete(target);
  }

  /**
   * Records and queues a local write of `fqn`; returns its record. Positional, not an options
   * object: it runs for every write of a shared var.
   * @param stamp - the write's stamp (undefined: a new one).
   * @param owned - an owned write is a `pub` of its own, a plain one an entry of a `pubs` batch.
   * @param known - the var's record, when the caller holds it (a shared var does: no map lookup per write).
   */
  private publish(fqn: string, value: unknown, stamp: string | undefined, owned: boolean, known?: ReplicaRecord): ReplicaRecord {
    const at = stamp ?? this.clock.tick();
    // Serialized first: a value with no JSON form (a BigInt) throws before anything is recorded.
    const serialized = owned ? JSON.stringify({ t: 'pub', fqn, value, stamp: at, owned }) : pubEntryText(fqn, at, value);
    const record = this.replica.ownWrite(fqn, at, known);
    this.valuesOut++;
    this.marks.track(record, serialized);
    return record;
  }

  /**
   * Publishes the value a shared var holds already (as it is shared, or again after a hub
   * restart). One that is not a JSON value (given before the var was shared, so no guard saw it)
   * is reported and not sent.
   */
  private publishHeld(target: Var<any>, stamp: string | undefined, owned: boolean): ReplicaRecord | undefined {
    try {
      checkJsonValue(target.getValue(), target.fqn);
    } catch (error) {
      this.fail(error);
      return undefined;
    }
    return this.publish(target.fqn, target.getValue(), stamp, owned);
  }

  /** Records and queues an unmap by this link (a stamped tombstone). */
  private sendDel(fqn: string, stamp = this.clock.tick()): void {
    this.marks.track(this.replica.ownUnmap(fqn, stamp), JSON.stringify({ t: 'del', fqn, stamp }));
  }
}
