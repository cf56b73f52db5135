import type { Observable } from 'rxjs';
import { randomUuid } from '../identity/uuid.js';
import { ProtocolError, type VarspaceError } from '../core/errors.js';
import { Space } from '../core/space.js';
import type { AppType } from '../identity/app-type.js';
import type { InstanceInfo } from '../identity/instance-info.js';
import type { Transport } from '../transport/transport.js';
import { HybridClock } from '../wire/hybrid-clock.js';
import { errMessage } from '../wire/remote-error.js';
import type { AccessRules } from './access.js';
import { Cluster } from './cluster.js';
import { Channels } from './channels.js';
import { Durability } from './durability.js';
import { FrameReader } from './frame-reader.js';
import { FrameScheduler } from './frame-scheduler.js';
import { Handshake } from './handshake.js';
import { HeartbeatCheck, type HeartbeatOptions } from './heartbeat-check.js';
import { HubCounters } from './hub-counters.js';
import { HubPresence, INSTANCES_PREFIX } from './hub-presence.js';
import { Identities } from './identities.js';
import { resolveLimits, type HubLimits, type ResolvedLimits } from './limits.js';
import { silentLogger, type Logger } from './logger.js';
import { memoryStore } from './memory-store.js';
import { Ownership, type OwnershipOptions } from './ownership.js';
import { checkSecret, newSecret } from './resume-token.js';
import { Router } from './router.js';
import { SERVICES_PREFIX } from './service-registry.js';
import { Services } from './services.js';
import { Session, type ConnectionInfo, type SessionSink } from './session.js';
import { SpaceMirror } from './space-mirror.js';
import { StampLimit } from './stamp-limit.js';
import type { Store, StoreRecord } from './store.js';
import { Writes } from './writes.js';

/** Options of {@link Hub}. */
export interface HubOptions {
  /** The hub's space (default: a new one). */
  readonly space?: Space;
  /** Where the latest state lives (default: `memoryStore()`). */
  readonly store?: Store;
  /** Close a connection that sends no `hello` within this time (default 10 s). */
  readonly helloTimeoutMs?: number;
  /** Remember a departed instance id this long (default 5 min): a resume of it with a wrong token is refused (4003) rather than given a fresh id. */
  readonly resumeTtlMs?: number;
  /**
   * The key of resume tokens (HMAC-SHA256 over instance id and principal), at least 32
   * characters. Default: the store's (`fileStore` keeps one in its directory, so instance ids
   * survive a restart; `memoryStore` makes one per store). Hubs of one cluster share it.
   */
  readonly secret?: string;
  /** Wall clock (tests). */
  readonly now?: () => number;
  /**
   * A write stamped more than this many ms ahead of the hub's wall clock is refused with
   * `VS_CLOCK_SKEW` (default 60,000): a stamp from the far future would win against every later
   * write. Links set their clocks to the hub's time at each `welcome`, so their own skew does not count.
   */
  readonly maxClockDriftMs?: number;
  /** Who may read and write what (default: everyone everything). See {@link AccessRules}. */
  readonly authorize?: AccessRules;
  /** Per-connection limits (every one has a default). */
  readonly limits?: HubLimits;
  /** Keep-alive: ping a quiet peer every `intervalMs` (default 10 s); drop it after `timeoutMs` of silence (default 30 s). `false` turns it off. */
  readonly heartbeat?: HeartbeatOptions | false;
  /** App types whose contracts the hub enforces on instances that declare them in `hello`. */
  readonly appTypes?: readonly AppType[];
  /** When an owner instance leaves and does not come back within `graceMs` (default 10 s), its owned vars are unmapped (default) or marked stale in their meta. */
  readonly ownership?: OwnershipOptions;
  /** Structured logs (default: none; `varspace hub` logs JSON lines). */
  readonly logger?: Logger;
}

/** Counters of a hub. */
export interface HubStats {
  connections: number;
  vars: number;
  messagesIn: number;
  messagesOut: number;
  valuesRouted: number;
  coalesced: number;
  refused: number;
  errors: number;
  follows: number;
  /** 1 when the store takes writes; 0 while a shared store (NATS) is unreachable. */
  storeUp: number;
  /** Events accepted from publishers, and queued for subscribers (one per subscribing connection). */
  eventsIn: number;
  eventsOut: number;
  /** Service request and reply messages received, and sent. */
  requestsIn: number;
  requestsOut: number;
}

/**
 * The routing engine of a hub: accepts transports, assigns instance ids, keeps the latest
 * value and stamp of every var in its store, and routes updates to followers through the
 * pattern trie. `startHub` puts it behind a WebSocket server; `accept` takes any transport
 * (a `MessagePort`, an in-memory pair).
 *
 * A façade over its parts, each owning its state: {@link Handshake} (`hello`), {@link Identities}
 * (who is who), {@link Router} (follows and routing), {@link Writes} (the write path),
 * {@link Durability} (store puts, acks, marks), {@link Ownership}, {@link HubPresence},
 * {@link HeartbeatCheck}, and {@link SpaceMirror}: `space` is a cache of the store that hub-side
 * code may read and write (its writes are stored and routed like a client's).
 *
 * @example
 * const hub = new Hub();
 * const [client, server] = memoryPair();
 * hub.accept(server);
 * const link = await connect(client, { space });
 */
export class Hub {
  /** The hub's own instance id (the `from` of writes made on the hub). */
  readonly id = randomUuid();
  /** The hub's space: a cache of the store (every var not deleted), which hub-side code may write to. */
  readonly space: Space;
  readonly store: Store;
  private readonly sessions = new Set<Session>();
  private readonly counters = new HubCounters();
  private readonly limits: ResolvedLimits;
  private readonly logger: Logger;
  private readonly identities: Identities;
  private readonly router: Router;
  private readonly mirror: SpaceMirror;
  private readonly ownership: Ownership;
  private readonly presence: HubPresence;
  private readonly writes: Writes;
  private readonly channels: Channels;
  private readonly services: Services;
  private readonly heartbeats: HeartbeatCheck | undefined;
  /** With a shared store (several hubs): the hub's side of the cluster. */
  private readonly cluster: Cluster | undefined;
  private closed = false;
  /** What every session's transport reports goes here (no closures per connection). */
  private readonly sessionSink: SessionSink;
  private readonly helloExpired = (session: Session): void => {
    if (!session.welcomed) this.refuse(session, new ProtocolError('no hello in time'), 4008);
  };
  private readonly refuseSession = (session: Session, error: VarspaceError, closeCode: number): void =>
    this.refuse(session, error, closeCode);
  private readonly dropSession = (session: Session): void => this.onSessionClosed(session);

  constructor(private readonly options: HubOptions = {}) {
    this.space = options.space ?? new Space();
    this.store = options.store ?? memoryStore();
    const secret = checkSecret(options.secret ?? this.store.secret ?? newSecret());
    // A hub routes a write before its store has made it durable, so after a crash, revisions just
    // above this one may have reached followers for writes that were lost, and are issued again
    // for others: followers resume from here.
    const startRev = this.store.rev;
    const now = options.now ?? Date.now;
    const clock = new HybridClock(options.now);
    // No stamp is admitted past it: it bounds the clock too (the clock observes admitted stamps only).
    const stampLimit = new StampLimit(now, options.maxClockDriftMs);
    this.limits = resolveLimits(options.limits);
    this.logger = options.logger ?? silentLogger;
    const { counters, limits, logger, space, store } = this;
    this.identities = new Identities(options.resumeTtlMs ?? 300_000, this.refuseSession);
    this.router = new Router(store, limits, counters);
    this.mirror = new SpaceMirror(space, store, counters);
    this.ownership = new Ownership(space, options.ownership);
    const durability = new Durability(store, counters, (error) => space.report(error));
    const { mirror, router, ownership, identities } = this;
    const shared = Cluster.sharedStore(store);
    const cluster =
      shared &&
      new Cluster({
        hubId: this.id,
        store: shared,
        space,
        clock,
        stampLimit,
        counters,
        logger,
        mirror,
        router,
        durability,
        identities,
        ownership,
      });
    this.cluster = cluster;
    this.writes = new Writes({
      hubId: this.id,
      store,
      clock,
      stampLimit,
      limits,
      counters,
      logger,
      mirror,
      router,
      durability,
      ownership,
      cluster,
    });
    this.presence = new HubPresence(space, this.writes);
    this.channels = new Channels({ clock, limits, counters });
    this.services = new Services({ hubId: this.id, space, writes: this.writes, clock, limits, counters });
    const handshake = new Handshake({
      hubId: this.id,
      secret,
      store,
      // A cluster routes only what JetStream holds: no revision a follower saw can be lost, so a
      // link that moves between hubs resumes from its own revision (no startRev to fall back to).
      startRev: cluster ? undefined : startRev,
      now,
      authorize: options.authorize,
      appTypes: options.appTypes,
      limits,
      identities,
      ownership,
      presence: this.presence,
      logger,
      refuse: this.refuseSession,
      drop: this.dropSession,
    });
    const reader = new FrameReader({
      limits,
      counters,
      space,
      handshake,
      writes: this.writes,
      router,
      durability,
      mirror,
      channels: this.channels,
      services: this.services,
      refuse: this.refuseSession,
    });
    const scheduler = new FrameScheduler<Session>((session, data) => reader.read(session, data));
    this.sessionSink = {
      frame: (session, data) => scheduler.receive(session, data),
      closed: this.dropSession,
      maxQueuedBytes: limits.maxQueuedBytes,
      overflow: (session) => this.onOverflow(session),
    };
    if (options.heartbeat !== false)
      this.heartbeats = new HeartbeatCheck(options.heartbeat ?? {}, identities, (session, quiet) => this.onSilent(session, quiet));
    this.recover(clock, stampLimit);
    cluster?.start({ writes: this.writes, presence: this.presence, drop: this.dropSession });
  }

  /**
   * Takes the store's records into the hub: its clock observes their stamps, its space mirrors
   * them, and what it cannot keep as it is is written again by the hub — presence from before a
   * restart (nobody is connected to a hub that just started) is deleted, and a stamp from far
   * ahead is replaced by one of now.
   */
  private recover(clock: HybridClock, stampLimit: StampLimit): void {
    const departed: StoreRecord[] = [];
    const restamp: StoreRecord[] = [];
    for (const record of this.store.records()) {
      // A stamp written before stamps were bounded may be far ahead (or malformed): not observed,
      // it cannot drag the clock along; the record is stamped again below.
      if (stampLimit.admits(record.stamp)) clock.observe(record.stamp);
      else restamp.push(record);
      if (record.deleted) continue;
      // A cluster's presence is other hubs' too: a dead hub's is removed by the cluster's liveness.
      if (!this.cluster && (record.fqn.startsWith(INSTANCES_PREFIX) || record.fqn.startsWith(SERVICES_PREFIX))) departed.push(record);
      else this.mirror.apply(record);
    }
    this.mirror.watch(this.writes);
    for (const record of departed) this.writes.localUnmap(record.fqn);
    // Kept with its far-ahead stamp, the record would win against every later write (the var would
    // be frozen): it keeps its value (or stays deleted), written again by the hub with a stamp of now.
    for (const record of restamp) {
      if (this.store.get(record.fqn)?.stamp !== record.stamp) continue; // departed presence, stamped above
      this.writes.restamp(record);
    }
  }

  /**
   * The connected instances, now and on every change (changes made in one turn of the event loop
   * come as one list: a burst of joins costs one list, not one per join).
   */
  get instances$(): Observable<InstanceInfo[]> {
    return this.presence.instances$;
  }

  /** Counters for `/stats` and tests. */
  stats(): HubStats {
    let messagesOut = this.counters.messagesOutClosed;
    let coalesced = this.counters.coalescedClosed;
    let follows = 0;
    for (const session of this.sessions) {
      messagesOut += session.sent;
      coalesced += session.coalesced;
      follows += session.follows.size;
    }
    let vars = 0;
    for (const record of this.store.records()) if (!record.deleted) vars++;
    return {
      connections: this.identities.size,
      vars,
      messagesIn: this.counters.messagesIn,
      messagesOut,
      valuesRouted: this.counters.valuesRouted,
      coalesced,
      refused: this.counters.refused,
      errors: this.counters.errors,
      follows,
      storeUp: this.store.health?.().ok === false ? 0 : 1,
      eventsIn: this.channels.eventsIn,
      eventsOut: this.channels.eventsOut,
      requestsIn: this.counters.requestsIn,
      requestsOut: this.counters.requestsOut,
    };
  }

  /**
   * Takes a new connection; it must say `hello` within `helloTimeoutMs`.
   * @returns a function that closes it.
   */
  accept(transport: Transport, info: ConnectionInfo = {}): () => void {
    const session = new Session(transport, info, this.sessionSink);
    this.sessions.add(session);
    session.startHelloTimer(this.helloExpired, this.options.helloTimeoutMs ?? 10_000);
    transport.listen(session);
    return () => transport.close(1001, 'hub closing');
  }

  /** Closes every connection and stops watching the space. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.heartbeats?.stop();
    this.ownership.close();
    this.identities.close();
    this.mirror.close();
    for (const session of [...this.sessions]) {
      session.flush();
      session.transport.close(1001, 'hub closing');
      this.onSessionClosed(session);
    }
    this.presence.close();
    await this.cluster?.close();
    await this.store.close();
  }

  private refuse(session: Session, error: VarspaceError, closeCode: number): void {
    this.counters.refused++;
    this.logger.log('warn', 'refused', {
      instanceId: session.id || undefined,
      code: error.code,
      message: error.message,
      remoteAddress: session.info.remoteAddress,
    });
    session.send(errMessage(error));
    session.flush();
    session.transport.close(closeCode, `${error.code} ${error.message}`.slice(0, 120));
  }

  /** A peer that does not read kept asking: its answers are over `maxQueuedBytes`. */
  private onOverflow(session: Session): void {
    this.counters.refused++;
    const message = `over ${this.limits.maxQueuedBytes} bytes of answers waiting: the peer does not read`;
    this.logger.log('warn', 'refused', {
      instanceId: session.id || undefined,
      code: 'VS_LIMIT',
      message,
      remoteAddress: session.info.remoteAddress,
    });
    session.transport.close(4029, `VS_LIMIT ${message}`);
  }

  /** A peer silent for the heartbeat timeout is dropped. */
  private onSilent(session: Session, quietMs: number): void {
    this.logger.log('warn', 'heartbeat-timeout', { instanceId: session.id, quietMs });
    session.transport.close(4000, `VS_TIMEOUT no answer for ${quietMs} ms`);
    this.onSessionClosed(session);
  }

  private onSessionClosed(session: Session): void {
    if (!session.markClosed()) return;
    this.sessions.delete(session);
    this.router.forget(session);
    this.channels.forget(session);
    this.services.left(session);
    this.counters.messagesOutClosed += session.sent;
    this.counters.coalescedClosed += session.coalesced;
    if (!this.identities.leave(session)) return;
    // An instance that resumed on another hub of the cluster keeps the presence that hub wrote.
    if (this.closed || this.cluster?.ownsPresence(session.id) === false) this.presence.touch();
    else this.presence.unpublish(session);
    this.logger.log('info', 'leave', { instanceId: session.id });
    if (!this.closed) this.ownership.left(session.id);
  }
}
