import type { Space } from '../core/space.js';
import type { InstanceInfo } from '../identity/instance-info.js';
import { compareWrites, type HybridClock } from '../wire/hybrid-clock.js';
import type { Durability } from './durability.js';
import type { HubCounters } from './hub-counters.js';
import { HubLiveness } from './hub-liveness.js';
import { INSTANCES_PREFIX, type HubPresence, type LocalWrites } from './hub-presence.js';
import type { Identities } from './identities.js';
import type { Logger } from './logger.js';
import type { Ownership } from './ownership.js';
import type { Router } from './router.js';
import type { Session } from './session.js';
import type { SpaceMirror } from './space-mirror.js';
import type { StampLimit } from './stamp-limit.js';
import type { Store, StoreRecord } from './store.js';

/** A store several hubs share (see `Store.commit`, `Store.changes`, `Store.liveness`). */
export type SharedStore = Store & Required<Pick<Store, 'commit' | 'changes' | 'liveness'>>;

/** Where `Writes` sends accepted writes when the hub's store is shared. @internal */
export interface SharedWrites {
  /** Commits an accepted write to the shared store; its acks wait for it (see `Durability.commit`). */
  commit(record: StoreRecord, writer: Session | undefined, expectedRev?: number): void;
}

/** What {@link Cluster} works with. @internal */
export interface ClusterParts {
  readonly hubId: string;
  readonly store: SharedStore;
  readonly space: Space;
  readonly clock: HybridClock;
  readonly stampLimit: StampLimit;
  readonly counters: HubCounters;
  readonly logger: Logger;
  readonly mirror: SpaceMirror;
  readonly router: Router;
  readonly durability: Durability;
  readonly identities: Identities;
  readonly ownership: Ownership;
}

/** What the hub gives its {@link Cluster} once its write path exists. @internal */
export interface ClusterWiring {
  readonly writes: LocalWrites;
  readonly presence: HubPresence;
  /** Closes a live session that moved to another hub (its transport closed already). */
  readonly drop: (session: Session) => void;
}

/**
 * The hub's side of a cluster (a store several hubs share, e.g. `natsStore`): every accepted write
 * goes to the shared store, and every record the store reports — written by this hub or another —
 * is mirrored into the hub's space and routed to its followers, with the store's value, `from`,
 * stamp and revision (the same on every hub). Presence is cluster-wide: instances of other hubs
 * are in `$sys.instances` too, an identity is carried once across hubs, an instance that resumed
 * on another hub is closed here, and the instances of a dead hub are removed ({@link HubLiveness}).
 * @internal
 *
 * @example
 * const cluster = Cluster.of(store) && new Cluster({ hubId, store, space, clock, stampLimit, counters, logger, mirror, router, durability, identities });
 * cluster.start({ writes, presence, drop });
 */
export class Cluster implements SharedWrites {
  private wiring: ClusterWiring | undefined;
  private liveness: HubLiveness | undefined;
  private stopChanges: (() => void) | undefined;

  constructor(private readonly parts: ClusterParts) {}

  /** The store as a shared one, if it is. */
  static sharedStore(store: Store): SharedStore | undefined {
    return store.commit && store.changes && store.liveness ? (store as SharedStore) : undefined;
  }

  commit(record: StoreRecord, writer: Session | undefined, expectedRev?: number): void {
    const committed = this.parts.store.commit(record, expectedRev);
    // The write is in the hub's space already (validators judged it there): refused by the store
    // (a cas that lost, NATS down), the space goes back to what the store holds.
    committed.catch(() => this.restore(record.fqn));
    this.parts.durability.commit(record, committed, writer);
  }

  /** Starts taking the store's changes, beating and removing dead hubs' instances; claims of identities look at other hubs' instances. */
  start(wiring: ClusterWiring): void {
    this.wiring = wiring;
    this.parts.identities.remote = { holderOf: (identity) => this.holderOf(identity) };
    this.liveness = new HubLiveness({ hubId: this.parts.hubId, store: this.parts.store, clock: this.parts.clock, writes: wiring.writes });
    this.stopChanges = this.parts.store.changes((record) => this.changed(record));
    this.liveness.start();
  }

  /** Whether the presence record of instance `id` is this hub's to delete (another hub's, once the instance moved there, is not). */
  ownsPresence(id: string): boolean {
    const held = this.parts.store.get(INSTANCES_PREFIX + id);
    return held === undefined || held.from === this.parts.hubId;
  }

  /** Stops taking changes, and deletes this hub's liveness record (its instances go from the other hubs at once). */
  async close(): Promise<void> {
    this.stopChanges?.();
    this.parts.identities.remote = undefined;
    await this.liveness?.stop();
  }

  /** A record the store holds now: into the space, to the followers, and to presence and liveness. */
  private changed(record: StoreRecord): void {
    const { parts } = this;
    if (parts.stampLimit.admits(record.stamp)) parts.clock.observe(record.stamp);
    try {
      parts.mirror.apply(record);
    } catch (error) {
      // A validator of this hub's space refused what another hub accepted: the store holds it, the space does not.
      parts.counters.errors++;
      parts.space.report(error);
    }
    const writer = record.from === parts.hubId ? undefined : parts.identities.sessionOf(record.from);
    parts.router.route(record, writer, undefined);
    if (record.fqn.startsWith(INSTANCES_PREFIX)) this.presenceChanged(record);
    this.liveness!.heard(record);
  }

  /**
   * Presence written by another hub: an instance of this hub that resumed there is closed here; one
   * whose presence another hub removed (a dead hub's, as it thought) is published again; one whose
   * identity a newer instance on another hub took over is closed (4009). The vars an instance owns
   * through this hub stay while it is live on any hub, and go a grace time after it left the last.
   */
  private presenceChanged(record: StoreRecord): void {
    const { presence, drop } = this.wiring!;
    presence.touch();
    if (record.from === this.parts.hubId) return;
    const id = record.fqn.slice(INSTANCES_PREFIX.length);
    const local = this.parts.identities.sessionOf(id);
    if (local !== undefined && record.deleted) {
      presence.publish(local);
      return;
    }
    if (local !== undefined) {
      this.parts.logger.log('info', 'resumed-elsewhere', { instanceId: id });
      local.transport.close(4009, 'VS_FORBIDDEN resumed on another hub');
      drop(local);
    }
    this.parts.ownership.returned(id);
    if (record.deleted) this.parts.ownership.left(id);
    const identity = record.deleted ? undefined : (record.value as InstanceInfo | undefined)?.attributes?.identity;
    if (identity === undefined) return;
    for (const session of this.parts.identities.sessions()) {
      if (session.attributes.identity !== identity) continue;
      const own = this.parts.store.get(INSTANCES_PREFIX + session.id);
      if (own && compareWrites(record.stamp, record.from, own.stamp, own.from) <= 0) continue; // ours is newer: the other goes
      this.parts.logger.log('info', 'taken-over', { instanceId: session.id, identity });
      session.transport.close(4009, `VS_FORBIDDEN identity ${identity} was taken over on another hub`);
      drop(session);
    }
  }

  /** Mirrors the store's record of `fqn` into the space again (none: the var goes). */
  private restore(fqn: string): void {
    const held = this.parts.store.get(fqn);
    try {
      if (held) this.parts.mirror.apply(held);
      else this.parts.space.unmap(fqn, { origin: this.parts.hubId });
    } catch (error) {
      this.parts.counters.errors++;
      this.parts.space.report(error);
    }
  }

  /** The instance of another hub that carries `identity`, if any. */
  private holderOf(identity: string): InstanceInfo | undefined {
    for (const target of this.parts.space.match(`${INSTANCES_PREFIX.slice(0, -1)}/*`)) {
      const record = this.parts.store.get(target.fqn);
      if (!record || record.deleted || record.from === this.parts.hubId) continue;
      const info = record.value as InstanceInfo | undefined;
      if (info?.attributes?.identity === identity) return info;
    }
    return undefined;
  }
}
