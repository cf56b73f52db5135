import type { HybridClock } from '../wire/hybrid-clock.js';
import { INSTANCES_PREFIX, type LocalWrites } from './hub-presence.js';
import type { Store, StoreRecord } from './store.js';

/** The prefix of the hubs' liveness records: `$sys.hubs/<hub id>`, written by each hub of a cluster every interval. */
export const HUBS_PREFIX = '$sys.hubs/';

/** What {@link HubLiveness} works with. @internal */
export interface HubLivenessParts {
  readonly hubId: string;
  readonly store: Store & Required<Pick<Store, 'commit' | 'liveness'>>;
  readonly clock: HybridClock;
  readonly writes: LocalWrites;
  /** Monotonic time in ms (tests). */
  readonly now?: () => number;
}

/**
 * Liveness of the hubs of a cluster: each hub writes `$sys.hubs/<its id>` every `intervalMs`
 * (a var like any, replicated by the store); a hub not heard from for `timeoutMs` (measured on
 * each hub's own clock, from when it last saw that record, or from its own start) is dead, and
 * every other hub removes its instances' presence (`$sys.instances/<id>` written by it) and its
 * liveness record, each by a conditional update on the record's revision — so that a presence
 * written again meanwhile by the hub an instance moved to is left alone. A hub that closes
 * deletes its record: its instances go within one interval. So an instance of a hub that dies
 * is gone from every hub within `timeoutMs + intervalMs`. @internal
 *
 * @example
 * const liveness = new HubLiveness({ hubId, store, clock, writes });
 * liveness.start();
 * liveness.heard(record); // every presence and liveness record the store reports
 */
export class HubLiveness {
  /** When each other hub was last heard from (-Infinity: it closed). */
  private readonly lastSeen = new Map<string, number>();
  /** The presence and liveness records of other hubs, by FQN. */
  private readonly records = new Map<string, StoreRecord>();
  /** Records being removed (not removed again until that settles). */
  private readonly reaping = new Set<string>();
  private readonly now: () => number;
  private readonly startedAt: number;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly parts: HubLivenessParts) {
    this.now = parts.now ?? (() => performance.now());
    this.startedAt = this.now();
    for (const record of parts.store.records()) this.heard(record);
  }

  /** Writes this hub's liveness record now and every interval, and removes what dead hubs left. */
  start(): void {
    this.beat();
    this.timer = setInterval(() => {
      this.beat();
      this.reap();
    }, this.parts.store.liveness.intervalMs);
    this.timer.unref?.();
  }

  /** A presence or liveness record the store reported (others are ignored). */
  heard(record: StoreRecord): void {
    const { fqn } = record;
    const hub = fqn.startsWith(HUBS_PREFIX) ? fqn.slice(HUBS_PREFIX.length) : fqn.startsWith(INSTANCES_PREFIX) ? record.from : undefined;
    if (hub === undefined || hub === this.parts.hubId) {
      this.records.delete(fqn);
      return;
    }
    if (fqn.startsWith(HUBS_PREFIX)) this.lastSeen.set(hub, record.deleted ? -Infinity : this.now());
    if (record.deleted) this.records.delete(fqn);
    else this.records.set(fqn, record);
  }

  /**
   * Stops beating and deletes this hub's liveness record (bounded by the store's own timeout), so
   * that the other hubs remove its instances at their next interval.
   */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const fqn = HUBS_PREFIX + this.parts.hubId;
    const held = this.parts.store.get(fqn);
    await this.remove(fqn, held?.rev).catch(() => {});
  }

  private beat(): void {
    this.parts.writes.localWrite(HUBS_PREFIX + this.parts.hubId, { hub: this.parts.hubId, at: Date.now() });
  }

  private reap(): void {
    const deadline = this.now() - this.parts.store.liveness.timeoutMs;
    for (const [fqn, record] of this.records) {
      const hub = fqn.startsWith(HUBS_PREFIX) ? fqn.slice(HUBS_PREFIX.length) : record.from;
      if ((this.lastSeen.get(hub) ?? this.startedAt) > deadline || this.reaping.has(fqn)) continue;
      this.reaping.add(fqn);
      // Lost to another hub's removal, or written again meanwhile: either way, nothing to do.
      void this.remove(fqn, record.rev)
        .catch(() => {})
        .finally(() => this.reaping.delete(fqn));
    }
  }

  /** Deletes `fqn` if it still has revision `rev` (a tombstone, stamped now by this hub). */
  private remove(fqn: string, rev: number | undefined): Promise<StoreRecord> {
    const tombstone: StoreRecord = { fqn, value: undefined, stamp: this.parts.clock.tick(), from: this.parts.hubId, rev: 0, deleted: true };
    return this.parts.store.commit(tombstone, rev ?? 0);
  }
}
