import type { Subscription } from 'rxjs';
import { checkJsonValue } from '../core/json-value.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import type { HubCounters } from './hub-counters.js';
import { INSTANCES_PREFIX, type LocalWrites } from './hub-presence.js';
import type { Store, StoreRecord } from './store.js';

/**
 * The hub's space as a cache of its store. The store holds the state; the space mirrors every
 * var that is not deleted, so that hub-side code (`hub.space`: validators, derived vars, an
 * embedding app) reads it and may write to it. Both directions carry the write's origin as data:
 * a client's write is mirrored with its writer's id as origin, and only writes with no origin
 * (made on the hub) are taken back as local writes — stamped, stored and routed by `Writes`.
 * @internal
 *
 * @example
 * const mirror = new SpaceMirror(space, store, counters);
 * mirror.apply(record); // a client's accepted write
 * mirror.watch(writes); // from now on, writes made on the hub reach `writes`
 */
export class SpaceMirror {
  /** The removal of the write hook of each var of the space. */
  private readonly watching = new Map<string, () => void>();
  private events: Subscription | undefined;
  private local: LocalWrites | undefined;

  constructor(
    readonly space: Space,
    private readonly store: Store,
    private readonly counters: HubCounters,
  ) {}

  /**
   * Mirrors an accepted write of `record.from` (a tombstone unmaps the var).
   * @throws what a validator of the var throws: the write is then refused.
   */
  apply(record: StoreRecord): void {
    if (record.deleted) this.space.unmap(record.fqn, { origin: record.from });
    else this.space.ensure(record.fqn, { origin: record.from, system: true }, record.value);
  }

  /** Whether a plain write of `fqn` may be mirrored as its frame ends: no validator of the space can refuse it. */
  defers(fqn: string): boolean {
    return this.space.resolve(fqn)?.getValidator() === undefined;
  }

  /**
   * Mirrors the writes of a frame that waited for its end — each unless a newer write of its var
   * is held by now (mirrored already: sending the frame's output may have run another frame).
   * None can be refused, so a throw is a fault.
   */
  applyLate(records: readonly StoreRecord[]): void {
    for (const record of records) {
      const held = this.store.get(record.fqn);
      if (held === undefined || held.stamp !== record.stamp || held.from !== record.from) continue;
      try {
        this.apply(record);
      } catch (error) {
        this.counters.errors++;
        this.space.report(error);
      }
    }
  }

  /** Starts taking writes made on the hub (every var of the space, and those made later) to `local`. */
  watch(local: LocalWrites): void {
    this.local = local;
    this.events = this.space.events$().subscribe((event) => {
      if (event.type === 'var-interned') this.watchVar(this.space.resolve(event.fqn)!, event.origin);
      else if (event.type === 'var-unmapped') this.onUnmapped(event.fqn, event.origin);
    });
    for (const target of [...this.space.match('>'), ...this.space.match('$sys.>')]) this.watchVar(target, undefined);
  }

  /** @param origin - who made the var: a client (its write is committed already), or the hub (undefined). */
  private watchVar(target: Var<any>, origin: string | undefined): void {
    // Presence vars are written once, by `HubPresence.publish`, which stores them itself: no hook
    // (a hook per connection is memory every idle connection would pay for).
    if (this.watching.has(target.fqn) || target.fqn.startsWith(INSTANCES_PREFIX)) return;
    const local = this.local!;
    this.watching.set(
      target.fqn,
      target.onWrite((value, writer) => {
        if (writer === undefined) local.localWrite(target.fqn, value);
      }),
    );
    // A write made on the hub that followers could not be sent is refused, as a link refuses it.
    target.requireJson(true);
    if (origin === undefined && target.bound && !this.store.get(target.fqn)) {
      try {
        checkJsonValue(target.getValue(), target.fqn);
      } catch (error) {
        this.space.report(error); // given before the hub saw the var: kept here, never routed
        return;
      }
      local.localWrite(target.fqn, target.getValue());
    }
  }

  private onUnmapped(fqn: string, origin: string | undefined): void {
    this.watching.get(fqn)?.();
    this.watching.delete(fqn);
    if (origin === undefined) this.local!.localUnmap(fqn);
  }

  /** Stops taking writes made on the hub (the hub closes). */
  close(): void {
    this.events?.unsubscribe();
    for (const [fqn, stop] of this.watching) {
      stop();
      this.space.resolve(fqn)?.requireJson(false);
    }
    this.watching.clear();
  }
}
