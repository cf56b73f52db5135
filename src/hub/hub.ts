import { BehaviorSubject, Subscription, defer, type Observable } from 'rxjs';
import { v4 as uuid } from 'uuid';
import { ConflictError, ForbiddenError, LimitError, ProtocolError, ReservedNameError, ValidationError, VarspaceError, VersionError } from '../core/errors.js';
import { FqnTokenCache } from '../core/fqn-token-cache.js';
import { checkJsonValue } from '../core/json-value.js';
import { parseFqn, parsePattern } from '../core/names.js';
import { PatternTrie, patternMatches } from '../core/pattern-trie.js';
import { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import type { AppType } from '../identity/app-type.js';
import { instanceAttributesSchema, parseInstanceAttributes } from '../identity/instance.js';
import { HybridClock, compareWrites } from '../wire/hybrid-clock.js';
import { checkPeriodMs } from '../wire/liveness.js';
import type { InstanceInfo } from '../identity/instance-info.js';
import type { Transport } from '../transport/transport.js';
import { decodeFrame } from '../wire/codec.js';
import {
  PROTOCOL_VERSIONS,
  clientMessageSchema,
  quickPubs,
  type CasMessage,
  type ClientMessage,
  type DelMessage,
  type ErrMessage,
  type HelloMessage,
  type PubMessage,
  type PubsMessage,
  type SubMessage,
} from '../wire/messages.js';
import { errMessage } from '../wire/remote-error.js';
import { PING_FRAME, PONG_FRAME, PONG_TEXT, heartbeatFrame, pongText } from '../wire/heartbeat-text.js';
import { goneText, updEntryText } from '../wire/state-text.js';
import { Access, type AccessRules, type Principal } from './access.js';
import { FrameScheduler } from './frame-scheduler.js';
import { TokenBucket, checkValueLimits, resolveLimits, type HubLimits, type ResolvedLimits } from './limits.js';
import { silentLogger, type Logger } from './logger.js';
import { memoryStore } from './memory-store.js';
import { checkSecret, newSecret, resumeToken, verifyResumeToken } from './resume-token.js';
import { Session, type ConnectionInfo, type SessionFollow, type SessionSink } from './session.js';
import { StampLimit } from './stamp-limit.js';
import type { Store, StoreRecord } from './store.js';

export type { InstanceInfo };

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
  readonly heartbeat?: { readonly intervalMs?: number; readonly timeoutMs?: number } | false;
  /** App types whose contracts the hub enforces on instances that declare them in `hello`. */
  readonly appTypes?: readonly AppType[];
  /** When an owner instance leaves and does not come back within `graceMs` (default 10 s), its owned vars are unmapped (default) or marked stale in their meta. */
  readonly ownership?: { readonly graceMs?: number; readonly onLeave?: 'unmap' | 'stale' };
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
}

const SYS_INSTANCES = '$sys.instances';
const INSTANCES_PREFIX = `${SYS_INSTANCES}/`;

const ATTRIBUTE_KEYS: readonly string[] = Object.keys(instanceAttributesSchema.shape);

/**
 * The attributes of a `hello` that this hub knows: others are dropped, as unknown fields are (a
 * newer client may describe itself with more); the known ones are then checked.
 */
function knownAttributes(given: Readonly<Record<string, string>> = {}): Record<string, string> {
  const known: Record<string, string> = {};
  for (const key of ATTRIBUTE_KEYS) if (Object.hasOwn(given, key)) known[key] = given[key];
  return known;
}

/** What waits for the end of the frame being processed (see `Hub.frame`). */
interface FrameWork {
  /** Sessions the frame gave state to (each once, when its outbox was empty). */
  readonly flush: Session[];
  /** Accepted writes to mirror into the hub's space once the frame's output is sent. */
  readonly mirrors: StoreRecord[];
}

/**
 * The routing engine of a hub: accepts transports, assigns instance ids, keeps the latest
 * value and stamp of every var in its store, and routes updates to followers through the
 * pattern trie. `startHub` puts it behind a WebSocket server; `accept` takes any transport
 * (a `MessagePort`, an in-memory pair).
 *
 * @example
 * const hub = new Hub();
 * const [client, server] = memoryPair();
 * hub.accept(server);
 * const link = await connect(client, { space });
 */
export class Hub {
  /** The hub's own instance id (the `from` of writes made on the hub). */
  readonly id = uuid();
  /**
   * The store's revision when this hub started. A hub routes a write before its store has made it
   * durable, so after a crash, revisions just above this one may have reached followers for
   * writes that were lost, and are issued again for others: followers resume from here.
   */
  private readonly startRev: number;
  readonly space: Space;
  readonly store: Store;
  private readonly clock: HybridClock;
  /** No stamp is admitted past it: it bounds the clock too (the clock observes admitted stamps only). */
  private readonly stampLimit: StampLimit;
  private readonly sessions = new Set<Session>();
  private readonly live = new Map<string, Session>();
  /** Instance ids live or departed less than `resumeTtlMs` ago (the timer forgets a departed one). */
  private readonly remembered = new Map<string, ReturnType<typeof setTimeout> | undefined>();
  private readonly secret: string;
  private readonly followTrie = new PatternTrie<SessionFollow>();
  /** The removal of the write hook of each var of the hub's space (it catches writes made on the hub). */
  private readonly watching = new Map<string, () => void>();
  private readonly fqnTokens = new FqnTokenCache();
  private readonly spaceEvents: Subscription;
  private readonly instancesSubject = new BehaviorSubject<InstanceInfo[]>([]);
  /** The instances changed since the last list (see `emitInstances`). */
  private instancesChanged = false;
  private instancesTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly counters = { messagesIn: 0, valuesRouted: 0, refused: 0, errors: 0, messagesOutClosed: 0, coalescedClosed: 0 };
  /** Records whose `store.put` has not resolved yet: their acks wait (the value is the error, if it failed). */
  private readonly durable = new WeakMap<StoreRecord, Promise<unknown>>();
  private readonly limits: ResolvedLimits;
  private readonly logger: Logger;
  private readonly owners = new Map<string, string>();
  private readonly ownerTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private applyingRemote = false;
  /**
   * While a frame is processed: the sessions it gave state to, flushed as the frame ends (not a
   * job later), and the accepted writes whose mirroring into the hub's space waits until then —
   * followers get a write before the hub's own subscribers run. Only plain writes (no `ref`, not
   * owned) that no validator can refuse wait (a var with a validator is mirrored first: its
   * verdict decides).
   */
  private frame: FrameWork | undefined;
  /** Bounds the frames processed per turn of the event loop (see {@link FrameScheduler}). */
  private readonly scheduler = new FrameScheduler<Session>((session, data) => this.onFrame(session, data));
  private closed = false;
  /** What every session's transport reports goes here (no closures per connection). */
  private readonly sessionSink: SessionSink;
  private readonly helloExpired = (session: Session): void => {
    if (!session.welcomed) this.refuse(session, new ProtocolError('no hello in time'), 4008);
  };

  constructor(private readonly options: HubOptions = {}) {
    this.space = options.space ?? new Space();
    this.store = options.store ?? memoryStore();
    this.secret = checkSecret(options.secret ?? this.store.secret ?? newSecret());
    this.startRev = this.store.rev;
    this.clock = new HybridClock(options.now);
    this.stampLimit = new StampLimit(options.now ?? Date.now, options.maxClockDriftMs);
    this.limits = resolveLimits(options.limits);
    this.sessionSink = {
      frame: (session, data) => this.scheduler.receive(session, data),
      closed: (session) => this.onSessionClosed(session),
      maxQueuedBytes: this.limits.maxQueuedBytes,
      overflow: (session) => this.onOverflow(session),
    };
    this.logger = options.logger ?? silentLogger;
    if (options.heartbeat !== false) {
      const intervalMs = options.heartbeat?.intervalMs ?? 10_000;
      const timeoutMs = options.heartbeat?.timeoutMs ?? 30_000;
      this.heartbeatTimer = setInterval(() => this.checkHeartbeats(intervalMs, timeoutMs), checkPeriodMs(intervalMs, timeoutMs));
      this.heartbeatTimer.unref?.();
    }
    const departed: StoreRecord[] = [];
    const restamp: StoreRecord[] = [];
    for (const record of this.store.records()) {
      // A stamp written before stamps were bounded may be far ahead (or malformed): not observed,
      // it cannot drag the clock along; the record is stamped again below.
      if (this.stampLimit.admits(record.stamp)) this.clock.observe(record.stamp);
      else restamp.push(record);
      if (record.deleted) continue;
      // Presence from before a restart is stale: nobody is connected to a hub that just started.
      if (record.fqn.startsWith(`${SYS_INSTANCES}/`)) departed.push(record);
      else this.mirror(record);
    }
    this.spaceEvents = this.space.events$().subscribe((event) => {
      if (event.type === 'var-interned') this.watchVar(this.space.resolve(event.fqn)!);
      else if (event.type === 'var-unmapped') this.onLocalUnmap(event.fqn, event.origin);
    });
    for (const target of [...this.space.match('>'), ...this.space.match('$sys.>')]) this.watchVar(target);
    for (const record of departed) this.commit(undefined, record.fqn, undefined, this.clock.tick(), this.id, true, record);
    // Kept with its far-ahead stamp, the record would win against every later write (the var would
    // be frozen): it keeps its value (or stays deleted), written again by the hub with a stamp of now.
    for (const record of restamp) {
      if (this.store.get(record.fqn)?.stamp !== record.stamp) continue; // departed presence, stamped above
      this.commit(undefined, record.fqn, record.value, this.clock.tick(), this.id, record.deleted, record);
    }
  }

  /**
   * The connected instances, now and on every change (changes made in one turn of the event loop
   * come as one list: a burst of joins costs one list, not one per join).
   */
  get instances$(): Observable<InstanceInfo[]> {
    return defer(() => {
      this.emitInstancesNow();
      return this.instancesSubject.asObservable();
    });
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
      connections: this.live.size,
      vars,
      messagesIn: this.counters.messagesIn,
      messagesOut,
      valuesRouted: this.counters.valuesRouted,
      coalesced,
      refused: this.counters.refused,
      errors: this.counters.errors,
      follows,
    };
  }

  /**
   * Takes a new connection; it must say `hello` within `helloTimeoutMs`.
   * @returns a function that closes it.
   */
  accept(transport: Transport, info: ConnectionInfo = {}): () => void {
    const session = new Session(transport, info, this.sessionSink);
    this.sessions.add(session);
    session.helloTimer = setTimeout(this.helloExpired, this.options.helloTimeoutMs ?? 10_000, session);
    transport.listen(session);
    return () => transport.close(1001, 'hub closing');
  }

  /** Closes every connection and stops watching the space. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    for (const timer of this.ownerTimers.values()) clearTimeout(timer);
    this.ownerTimers.clear();
    for (const session of [...this.sessions]) {
      session.flush();
      session.transport.close(1001, 'hub closing');
      this.onSessionClosed(session);
    }
    this.spaceEvents.unsubscribe();
    for (const [fqn, stop] of this.watching) {
      stop();
      this.space.resolve(fqn)?.requireJson(false);
    }
    this.watching.clear();
    for (const timer of this.remembered.values()) if (timer) clearTimeout(timer);
    this.remembered.clear();
    if (this.instancesTimer !== undefined) clearTimeout(this.instancesTimer);
    this.emitInstancesNow();
    this.instancesSubject.complete();
    await this.store.close();
  }

  // ---- frames ----

  /**
   * One frame of a session. Before `hello` the hub reads exactly one frame: it must decode and
   * begin with `hello`, or the connection is refused with 4002 (so a pre-hello flood costs one
   * `JSON.parse` of at most `maxFrameBytes`: the other messages are validated only after the first
   * is found to be `hello`). After it, a malformed frame gets `err` `VS_BAD_FRAME`,
   * changes nothing and counts as one message against the rate limit.
   */
  private onFrame(session: Session, data: string): void {
    if (session.closed) return;
    session.liveness.hear();
    if (data.length > this.limits.maxFrameBytes) {
      this.refuse(session, new LimitError(`frame of ${data.length} bytes is over the limit of ${this.limits.maxFrameBytes}`), 1009);
      return;
    }
    // A lone heartbeat, most of what an idle connection says: counted and rate-limited like any
    // message, with no decoding and no frame work.
    if (session.welcomed && (data === PONG_FRAME || data === PING_FRAME) && session.bucket.take(1)) {
      this.counters.messagesIn++;
      session.messagesIn++;
      session.throttled = 0;
      if (data === PING_FRAME) {
        session.outbox.push(PONG_TEXT);
        session.flush();
      }
      return;
    }
    let messages: ClientMessage[];
    try {
      messages = session.welcomed ? (heartbeatFrame(data) ?? decodeFrame(data, clientMessageSchema, quickPubs)) : decodeFrame(data, clientMessageSchema, quickPubs, undefined, 'hello');
    } catch (error) {
      this.counters.errors++;
      const refusal = error instanceof VarspaceError ? error : new ProtocolError('a frame must be a JSON array of messages');
      if (!session.welcomed) this.refuse(session, refusal, 4002);
      else if (this.withinRate(session, 1)) session.send(errMessage(refusal));
      return;
    }
    // A batch counts as the messages it holds (for the rate limit too).
    let count = messages.length;
    for (const message of messages) if (message.t === 'pubs') count += message.w.length - 1;
    this.counters.messagesIn += count;
    session.messagesIn += count;
    if (!session.welcomed) {
      const hello = messages[0] as HelloMessage; // decodeFrame checked it
      if (!this.onHello(session, hello)) return;
      messages = messages.slice(1);
      count--;
    }
    if (!this.withinRate(session, count)) return;
    session.frameBytes = data.length;
    this.stampLimit.refresh();
    const frame: FrameWork = { flush: [], mirrors: [] };
    this.frame = frame;
    try {
      this.space.batch.run(() => {
        for (const message of messages) {
          if (session.closed) return;
          try {
            this.onMessage(session, message);
          } catch (error) {
            this.onRefused(session, error, this.correction(session, message));
          }
        }
      });
    } finally {
      this.frame = undefined;
    }
    for (const each of frame.flush) each.flush();
    session.flush(); // its acks and corrections
    if (frame.mirrors.length > 0) this.space.batch.run(() => this.mirrorLate(frame.mirrors));
  }

  /**
   * Takes `count` messages from the session's rate limit; over it, the frame is dropped with an
   * `err` `VS_LIMIT`, and the connection closed (4029) after `maxThrottledFrames` in a row.
   * @returns whether the frame may be processed.
   */
  private withinRate(session: Session, count: number): boolean {
    if (session.bucket.take(count)) {
      session.throttled = 0;
      return true;
    }
    this.counters.refused++;
    if (++session.throttled > this.limits.maxThrottledFrames) {
      this.refuse(session, new LimitError('too many messages for too long'), 4029);
    } else {
      session.send(errMessage(new LimitError(`over ${this.limits.messagesPerSecond} messages per second: frame dropped`)));
    }
    return false;
  }

  /**
   * Mirrors the writes of a frame that waited for its end — each unless a newer write of its var
   * is held by now (mirrored already: sending the frame's output may have run another frame).
   * None can be refused, so a throw is a fault.
   */
  private mirrorLate(records: readonly StoreRecord[]): void {
    this.applyingRemote = true;
    try {
      for (const record of records) {
        const held = this.store.get(record.fqn);
        if (held === undefined || held.stamp !== record.stamp || held.from !== record.from) continue;
        try {
          this.mirror(record);
        } catch (error) {
          this.counters.errors++;
          this.space.report(error);
        }
      }
    } finally {
      this.applyingRemote = false;
    }
  }

  private onMessage(session: Session, message: ClientMessage): void {
    switch (message.t) {
      case 'pub': return this.onPub(session, message);
      case 'pubs': return this.onPubs(session, message);
      case 'sub': return this.onSub(session, message);
      case 'unsub': return this.removeFollow(session, message.sid);
      case 'cas': return this.onCas(session, message);
      case 'del': return this.onDel(session, message);
      case 'mark': return this.onMark(session, message.n);
      case 'ping': return session.outbox.push(pongText(message.n));
      case 'pong': return;
      case 'bye': return session.transport.close(1000, 'bye');
      case 'hello': throw new ProtocolError('hello was already said');
    }
  }

  private onHello(session: Session, hello: HelloMessage): boolean {
    const version = Math.max(...hello.versions.filter((v) => PROTOCOL_VERSIONS.includes(v)));
    if (!Number.isFinite(version)) {
      this.refuse(session, new VersionError(`unsupported protocol versions ${hello.versions.join(',')}; this hub speaks ${PROTOCOL_VERSIONS.join(',')}`), 4002);
      return false;
    }
    const principal = session.info.principal as Principal | undefined;
    let id: string = uuid();
    let stale: Session | undefined;
    if (hello.resume) {
      const { id: claimed, token: presented } = hello.resume;
      const verified = claimed !== this.id && verifyResumeToken(this.secret, claimed, principal?.name, presented);
      if (!verified && this.live.has(claimed)) {
        this.refuse(session, new ForbiddenError(`instance id ${claimed} is live on another connection`), 4003);
        return false;
      }
      if (!verified && this.remembered.has(claimed)) {
        this.refuse(session, new ForbiddenError(`wrong resume token for instance ${claimed}`), 4003);
        return false;
      }
      // The right token for a live id: the client lost that connection and the hub has not noticed
      // yet (a half-open socket). The new connection replaces it (below).
      if (verified) {
        stale = this.live.get(claimed);
        id = claimed;
      }
      // Otherwise (a token this hub's secret did not make, or made for another principal): a fresh id.
    }
    const token = resumeToken(this.secret, id, principal?.name);
    let attributes: Readonly<Record<string, string>>;
    try {
      attributes = parseInstanceAttributes(knownAttributes(hello.attributes)) as Record<string, string>;
    } catch (error) {
      this.refuse(session, error as VarspaceError, 4002);
      return false;
    }
    if (this.options.authorize) session.access = new Access(principal, this.options.authorize);
    if (attributes.identity !== undefined && !this.mayCarry(session, attributes.identity, hello.takeover === true, stale)) return false;
    if (stale) {
      this.logger.log('info', 'resumed-elsewhere', { instanceId: stale.id });
      stale.transport.close(4009, 'VS_FORBIDDEN resumed on a new connection');
      this.onSessionClosed(stale);
    }
    if (attributes.appType !== undefined && this.options.appTypes) {
      session.appType = this.options.appTypes.find((type) => type.name === attributes.appType);
      if (!session.appType) {
        this.refuse(session, new ValidationError(`unknown app type ${attributes.appType}`), 4002);
        return false;
      }
    }
    session.bucket = new TokenBucket(this.limits.messagesPerSecond, this.limits.burst);
    const ownerTimer = this.ownerTimers.get(id);
    if (ownerTimer) {
      clearTimeout(ownerTimer);
      this.ownerTimers.delete(id);
    }
    const forget = this.remembered.get(id);
    if (forget) clearTimeout(forget);
    this.remembered.set(id, undefined);
    session.id = id;
    session.token = token;
    session.attributes = attributes;
    session.connectedAt = Date.now();
    session.welcomed = true;
    session.stopHelloTimer();
    this.live.set(id, session);
    session.send({ t: 'welcome', version, id, token, hub: this.id, epoch: this.store.epoch, startRev: this.startRev, time: (this.options.now ?? Date.now)() });
    this.publishInstance(session);
    this.logger.log('info', 'join', { instanceId: id, attributes, principal: principal?.name, remoteAddress: session.info.remoteAddress });
    return true;
  }

  /**
   * Checks a claim of a logical identity: on a hub with rules, the connection's `identities` must
   * list it; a live carrier is replaced (4009) only on `takeover`, and only by the same principal
   * (anonymous is one principal) or one whose rules list the identity. Refuses (4003) otherwise.
   * @param stale - the connection this one replaces (a resume), which is not a rival carrier.
   */
  private mayCarry(session: Session, identity: string, takeover: boolean, stale: Session | undefined): boolean {
    if (session.access && !session.access.canClaim(identity)) {
      this.refuse(session, new ForbiddenError(`not allowed to carry identity ${identity}`), 4003);
      return false;
    }
    let holder: Session | undefined;
    for (const other of this.live.values()) if (other !== stale && other.attributes.identity === identity) holder = other;
    if (!holder) return true;
    if (!takeover) {
      this.refuse(session, new ForbiddenError(`identity ${identity} is carried by live instance ${holder.id} (say takeover to replace it)`), 4003);
      return false;
    }
    const name = (info: ConnectionInfo) => (info.principal as Principal | undefined)?.name;
    if (name(holder.info) !== name(session.info) && !session.access?.canClaim(identity)) {
      this.refuse(session, new ForbiddenError(`identity ${identity} is carried by another principal's instance`), 4003);
      return false;
    }
    this.refuse(holder, new ForbiddenError(`identity ${identity} was taken over by a new instance`), 4009);
    return true;
  }

  private refuse(session: Session, error: VarspaceError, closeCode: number): void {
    this.counters.refused++;
    this.logger.log('warn', 'refused', { instanceId: session.id || undefined, code: error.code, message: error.message, remoteAddress: session.info.remoteAddress });
    session.send(errMessage(error));
    session.flush();
    session.transport.close(closeCode, `${error.code} ${error.message}`.slice(0, 120));
  }

  /** A peer that does not read kept asking: its answers are over `maxQueuedBytes`. */
  private onOverflow(session: Session): void {
    this.counters.refused++;
    const message = `over ${this.limits.maxQueuedBytes} bytes of answers waiting: the peer does not read`;
    this.logger.log('warn', 'refused', { instanceId: session.id || undefined, code: 'VS_LIMIT', message, remoteAddress: session.info.remoteAddress });
    session.transport.close(4029, `VS_LIMIT ${message}`);
  }

  private onSessionClosed(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    this.sessions.delete(session);
    for (const follow of session.follows.values()) this.followTrie.remove(follow.tokens, follow);
    session.follows.clear();
    this.counters.messagesOutClosed += session.sent;
    this.counters.coalescedClosed += session.coalesced;
    session.disposeOutbox();
    if (!session.welcomed || this.live.get(session.id) !== session) return;
    this.live.delete(session.id);
    if (this.remembered.has(session.id) && !this.closed) {
      const timer = setTimeout(() => this.remembered.delete(session.id), this.options.resumeTtlMs ?? 300_000);
      timer.unref?.();
      this.remembered.set(session.id, timer);
    }
    if (!this.closed) this.space.unmap(`${SYS_INSTANCES}/${session.id}`);
    this.emitInstances();
    this.logger.log('info', 'leave', { instanceId: session.id });
    if (!this.closed && [...this.owners.values()].includes(session.id)) this.scheduleOwnerLeave(session.id);
  }

  /** gproc-style clean-up: an owner that does not come back in time takes its vars with it. */
  private scheduleOwnerLeave(instanceId: string): void {
    const { graceMs = 10_000, onLeave = 'unmap' } = this.options.ownership ?? {};
    const timer = setTimeout(() => {
      this.ownerTimers.delete(instanceId);
      for (const [fqn, owner] of [...this.owners]) {
        if (owner !== instanceId) continue;
        this.owners.delete(fqn);
        const target = this.space.resolve(fqn);
        if (!target) continue;
        if (onLeave === 'unmap') this.space.unmap(fqn);
        else target.resetMeta({ ...target.meta, owner: instanceId, stale: true });
      }
    }, graceMs);
    timer.unref?.();
    this.ownerTimers.set(instanceId, timer);
  }

  private checkHeartbeats(intervalMs: number, timeoutMs: number): void {
    const now = Date.now();
    for (const session of this.live.values()) {
      const quiet = session.liveness.quietFor(now);
      if (quiet >= timeoutMs) {
        this.logger.log('warn', 'heartbeat-timeout', { instanceId: session.id, quietMs: quiet });
        session.transport.close(4000, `VS_TIMEOUT no answer for ${quiet} ms`);
        this.onSessionClosed(session);
      } else if (quiet >= intervalMs && now - session.lastPing >= intervalMs) {
        session.lastPing = now;
        session.ping();
      } else {
        session.releaseOutbox();
      }
    }
  }

  // ---- presence ----

  private publishInstance(session: Session): void {
    const info: InstanceInfo = {
      instanceId: session.id,
      attributes: session.attributes,
      connectedAt: session.connectedAt,
      ...(session.info.principal ? { principal: (session.info.principal as Principal).name } : {}),
    };
    const fqn = `${INSTANCES_PREFIX}${session.id}`;
    this.space.ensure(fqn, { system: true }, info);
    this.onLocalWrite(fqn, info);
    this.emitInstances();
  }

  /** The instances changed: the list is made again when someone wants it (once per turn at most). */
  private emitInstances(): void {
    this.instancesChanged = true;
    if (this.instancesTimer !== undefined || !this.instancesSubject.observed) return;
    this.instancesTimer = setTimeout(() => {
      this.instancesTimer = undefined;
      this.emitInstancesNow();
    }, 0);
    this.instancesTimer.unref?.();
  }

  private emitInstancesNow(): void {
    if (!this.instancesChanged) return;
    this.instancesChanged = false;
    const list: InstanceInfo[] = [];
    for (const target of this.space.match(`${SYS_INSTANCES}/*`)) if (target.bound) list.push(target.getValue() as InstanceInfo);
    this.instancesSubject.next(list);
  }

  // ---- follows ----

  private onSub(session: Session, message: SubMessage): void {
    let tokens: readonly string[];
    try {
      tokens = parsePattern(message.pattern).tokens;
    } catch (error) {
      session.send(errMessage(error, { sid: message.sid }));
      return;
    }
    if (session.access && !session.access.canFollow(tokens)) {
      this.counters.refused++;
      session.send(errMessage(new ForbiddenError(`not allowed to read ${message.pattern}`), { sid: message.sid }));
      return;
    }
    if (!session.follows.has(message.sid) && session.follows.size >= this.limits.maxFollowsPerConnection) {
      this.counters.refused++;
      session.send(errMessage(new LimitError(`at most ${this.limits.maxFollowsPerConnection} follows per connection`), { sid: message.sid }));
      return;
    }
    this.removeFollow(session, message.sid);
    const follow: SessionFollow = { session, sid: message.sid, tokens };
    session.addFollow(follow);
    this.followTrie.add(tokens, follow);
    const since = message.since !== undefined && message.epoch === this.store.epoch ? message.since : undefined;
    for (const record of this.store.records()) {
      if (since === undefined ? record.deleted : record.rev <= since) continue;
      // A resync (`since`) skips the client's own writes: it has them (as live routing never echoes them).
      if (since !== undefined && record.from === session.id) continue;
      const recordTokens = this.fqnTokens.of(record.fqn);
      if (!patternMatches(tokens, recordTokens)) continue;
      if (session.access && !session.access.canRead(record.fqn, recordTokens)) continue;
      queueState(session, record);
    }
    session.send({ t: 'subok', sid: message.sid, rev: this.store.rev });
  }

  private removeFollow(session: Session, sid: number): void {
    const follow = session.follows.get(sid);
    if (!follow) return;
    session.follows.delete(sid);
    this.followTrie.remove(follow.tokens, follow);
  }

  // ---- writes ----

  /**
   * Checks a client write before anything changes: name, permission, limits, app-type contract, stamp.
   * @returns the held record. @throws the typed refusal (the writer then gets the held state).
   */
  private admitWrite(session: Session, fqn: string, value: unknown, deleting: boolean, stamp: string): StoreRecord | undefined {
    const current = this.store.get(fqn);
    let tokens: readonly string[];
    if (!current) {
      tokens = parseFqn(fqn).tokens;
      if (session.createdVars >= this.limits.maxVarsPerConnection) throw new LimitError(`at most ${this.limits.maxVarsPerConnection} vars per connection`, { fqn });
    } else {
      if (fqn.charCodeAt(0) === 36) throw new ReservedNameError(fqn);
      tokens = this.fqnTokens.of(fqn);
    }
    if (session.access && !session.access.canWrite(tokens)) throw new ForbiddenError(`not allowed to write ${fqn}`, { fqn });
    if (!deleting) {
      checkValueLimits(fqn, value, session.frameBytes, this.limits);
      const schema = session.appType?.resources[tokens[tokens.length - 1]];
      if (schema) {
        const result = schema.safeParse(value);
        if (!result.success) throw new ValidationError(`${fqn}: breaks the ${session.appType!.name} contract: ${result.error.issues.map((i) => i.message).join('; ')}`, { fqn });
      }
    }
    this.stampLimit.check(stamp, fqn);
    if (!current) session.createdVars++;
    return current;
  }

  /** Answers a message (or batch entry) that threw: a typed refusal, or an error that is logged too. */
  private onRefused(session: Session, error: unknown, correction: Partial<ErrMessage>): void {
    if (error instanceof VarspaceError) this.counters.refused++;
    else {
      this.counters.errors++;
      this.logger.log('error', 'error', { instanceId: session.id, message: String((error as Error)?.message ?? error) });
    }
    session.send(errMessage(error, correction));
  }

  /** Whether `session` may be sent the state of `fqn`, a var the store holds (no rules: yes). */
  private mayRead(session: Session, fqn: string): boolean {
    return session.access === undefined || session.access.canRead(fqn, this.fqnTokens.of(fqn));
  }

  /** The held state of a var as an `err`'s `current`, if `session` may read it (a correction never leaks a value). */
  private currentFor(session: Session, held: StoreRecord | undefined): { current?: ReturnType<typeof currentOf> } {
    return held && !held.deleted && this.mayRead(session, held.fqn) ? { current: currentOf(held) } : {};
  }

  /** What a refused request's `err` carries so the writer is corrected: its ref, and the held state (if it may read it). */
  private correction(session: Session, message: ClientMessage | { fqn: string; stamp: string }): Partial<ErrMessage> {
    const extra: { ref?: number; fqn?: string; current?: ReturnType<typeof currentOf>; refused?: string } = {};
    if ('ref' in message && message.ref !== undefined) extra.ref = message.ref;
    if ('stamp' in message) extra.refused = message.stamp;
    if ('fqn' in message) {
      extra.fqn = message.fqn;
      Object.assign(extra, this.currentFor(session, this.store.get(message.fqn)));
    }
    return extra;
  }

  private onPub(session: Session, message: PubMessage): void {
    this.write(session, message.fqn, message.value, message.stamp, message.ref, message.owned);
  }

  /** Each write of the batch as a `pub` of its own: one refused write does not stop the others. */
  private onPubs(session: Session, message: PubsMessage): void {
    for (const [fqn, stamp, value] of message.w) {
      if (session.closed) return;
      try {
        this.write(session, fqn, value, stamp);
      } catch (error) {
        this.onRefused(session, error, this.correction(session, { fqn, stamp }));
      }
    }
  }

  /** A `pub`, or an entry of `pubs`: a plain write (no `ref`, not owned) is mirrored as its frame ends. */
  private write(session: Session, fqn: string, value: unknown, stamp: string, ref?: number, owned?: boolean): void {
    const current = this.admitWrite(session, fqn, value, false, stamp);
    if (current && compareWrites(stamp, session.id, current.stamp, current.from) <= 0) {
      // An older write lost to the one held: correct the writer (if it may read it), change nothing.
      if (this.mayRead(session, fqn)) queueState(session, current);
      if (ref !== undefined) this.ack(session, ref, current);
      return;
    }
    const record = this.commit(session, fqn, value, stamp, session.id, false, current, ref, ref === undefined && !owned);
    if (record && owned) this.claimOwnership(fqn, session.id);
    if (record && ref !== undefined) this.ack(session, ref, record);
  }

  private claimOwnership(fqn: string, instanceId: string): void {
    if (this.owners.get(fqn) === instanceId) return;
    this.owners.set(fqn, instanceId);
    const target = this.space.resolve(fqn);
    if (target) target.resetMeta({ ...target.meta, owner: instanceId });
  }

  private onCas(session: Session, message: CasMessage): void {
    const current = this.admitWrite(session, message.fqn, message.value, false, message.stamp);
    const revision = current && !current.deleted ? current.rev : 0;
    if (revision !== message.rev) {
      this.counters.refused++;
      const error = new ConflictError(`${message.fqn}: expected revision ${message.rev}, it is ${revision}`);
      session.send(errMessage(error, { ref: message.ref, fqn: message.fqn, ...this.currentFor(session, current) }));
      return;
    }
    if (current && compareWrites(message.stamp, session.id, current.stamp, current.from) <= 0) {
      // The writer's clock is behind the held write (it never saw it). The hub does not stamp the
      // write itself: a stamp it made up under the writer's id could equal one of the writer's own
      // later stamps, and two different writes with one (stamp, from) never converge. So: the
      // held state (the writer's clock observes it), then a conflict that names the expected
      // revision; the link stamps again and retries.
      this.counters.refused++;
      if (this.mayRead(session, message.fqn)) queueState(session, current);
      const error = new ConflictError(`${message.fqn}: revision ${message.rev} matches, but the stamp is not newer than the held write; stamp again`);
      session.send(errMessage(error, { ref: message.ref, fqn: message.fqn, ...this.currentFor(session, current) }));
      return;
    }
    const record = this.commit(session, message.fqn, message.value, message.stamp, session.id, false, current, message.ref);
    if (record) this.ack(session, message.ref, record);
  }

  private onDel(session: Session, message: DelMessage): void {
    const current = this.admitWrite(session, message.fqn, undefined, true, message.stamp);
    if (current && compareWrites(message.stamp, session.id, current.stamp, current.from) <= 0) {
      // An older unmap lost to the write held: correct the writer (as for `pub`), change nothing.
      if (this.mayRead(session, message.fqn)) queueState(session, current);
      if (message.ref !== undefined) this.ack(session, message.ref, current);
      return;
    }
    const record = this.commit(session, message.fqn, undefined, message.stamp, session.id, true, current, message.ref);
    if (record && message.ref !== undefined) this.ack(session, message.ref, record);
  }

  /**
   * Applies an accepted write: mirrors it into the hub's space (where validators may refuse it),
   * stores it, and routes it to every follower but the writer.
   */
  private commit(
    writer: Session | undefined,
    fqn: string,
    value: unknown,
    stamp: string,
    from: string,
    deleted: boolean,
    current: StoreRecord | undefined,
    /** The writer's request ref, so that a refusal answers its `set`/`cas`/`del` promise. */
    ref?: number,
    /** Mirror into the hub's space as the frame ends, unless a validator there must judge it first. */
    late = false,
  ): StoreRecord | undefined {
    this.clock.observeWellFormed(stamp); // checked by the wire schema, or made by this clock
    const record: StoreRecord = { fqn, value, stamp, from, rev: this.store.rev + 1, deleted };
    if (late && this.frame !== undefined && this.space.resolve(fqn)?.getValidator() === undefined) {
      this.frame.mirrors.push(record);
    } else if (writer) {
      try {
        this.applyingRemote = true;
        if (deleted) this.space.unmap(fqn, { origin: from });
        else this.mirror(record);
      } catch (error) {
        this.counters.refused++;
        writer.send(errMessage(error, { fqn, ...(ref !== undefined ? { ref } : {}), ...this.currentFor(writer, current) }));
        return undefined;
      } finally {
        this.applyingRemote = false;
      }
    }
    let durable: Promise<void> | void;
    try {
      durable = this.store.put(record);
    } catch (error) {
      durable = Promise.reject(error);
    }
    if (durable) this.awaitDurable(record, durable, writer);
    this.route(record, writer);
    return record;
  }

  /**
   * Holds back the acks of `record` (and the marks of its writer) until the store says it is
   * durable; a failure is counted, reported, and stops the writer's marks.
   */
  private awaitDurable(record: StoreRecord, durable: Promise<void>, writer: Session | undefined): void {
    const settled = durable.then(
      () => {
        this.durable.delete(record);
        if (writer?.lastUnsynced === settled) writer.lastUnsynced = undefined;
        return undefined;
      },
      (error: unknown) => {
        this.counters.errors++;
        this.space.report(error);
        if (writer) writer.storeFailed = true;
        return error ?? new Error('store failed');
      },
    );
    this.durable.set(record, settled);
    if (writer) writer.lastUnsynced = settled;
  }

  /**
   * Answers a mark once every write the session made before it is durable (a writer drops its
   * copies of the writes a mark covers). After a store failure the session's marks go unanswered:
   * its writes stay unconfirmed, and its link sends them again when it reconnects.
   */
  private onMark(session: Session, n: number): void {
    const pending = session.lastUnsynced;
    if (pending === undefined) {
      if (!session.storeFailed) session.send({ t: 'marked', n });
      return;
    }
    void pending.then(() => {
      if (!session.closed && !session.storeFailed) session.send({ t: 'marked', n });
    });
  }

  /** Acks a write: at once with a synchronous store, else once `record` is durable (an `err` if the store failed). */
  private ack(session: Session, ref: number, record: StoreRecord): void {
    const durable = this.durable.get(record);
    if (!durable) {
      session.send({ t: 'ack', ref, stamp: record.stamp, rev: record.rev });
      return;
    }
    void durable.then((error) => {
      if (session.closed) return;
      session.send(error === undefined ? { t: 'ack', ref, stamp: record.stamp, rev: record.rev } : errMessage(error, { ref, fqn: record.fqn }));
    });
  }

  private mirror(record: StoreRecord): void {
    this.space.ensure(record.fqn, { origin: record.from, system: true }, record.value);
  }

  private route(record: StoreRecord, writer: Session | undefined): void {
    let serialized: string | undefined;
    const tokens = this.fqnTokens.of(record.fqn);
    this.followTrie.forEachMatch(tokens, (follow) => {
      if (follow.session === writer) return;
      if (follow.session.access && !follow.session.access.canRead(record.fqn, tokens)) return;
      serialized ??= serialize(record);
      if (this.frame !== undefined && follow.session.outbox.size === 0) this.frame.flush.push(follow.session);
      queueState(follow.session, record, serialized);
      this.counters.valuesRouted++;
    });
  }

  // ---- writes made on the hub itself ----

  private watchVar(target: Var<any>): void {
    // Presence vars are written once, by `publishInstance`, which stores them itself: no hook (a
    // hook per connection is memory every idle connection would pay for).
    if (this.watching.has(target.fqn) || target.fqn.startsWith(INSTANCES_PREFIX)) return;
    this.watching.set(target.fqn, target.onWrite((value, origin) => {
      if (origin === undefined) this.onLocalWrite(target.fqn, value);
    }));
    // A write made on the hub that followers could not be sent is refused, as a link refuses it.
    target.requireJson(true);
    if (target.bound && !this.applyingRemote && !this.store.get(target.fqn)) {
      try {
        checkJsonValue(target.getValue(), target.fqn);
      } catch (error) {
        this.space.report(error); // given before the hub saw the var: kept here, never routed
        return;
      }
      this.onLocalWrite(target.fqn, target.getValue());
    }
  }

  private onLocalWrite(fqn: string, value: unknown): void {
    this.commit(undefined, fqn, value, this.clock.tick(), this.id, false, this.store.get(fqn));
  }

  private onLocalUnmap(fqn: string, origin: string | undefined): void {
    this.watching.get(fqn)?.();
    this.watching.delete(fqn);
    if (origin !== undefined || this.applyingRemote || this.closed) return;
    const current = this.store.get(fqn);
    if (current && !current.deleted) this.commit(undefined, fqn, undefined, this.clock.tick(), this.id, true, current);
  }
}

/** A record's text: a `gone` message, or an entry of its writer's `upds` batch. */
function serialize(record: StoreRecord): string {
  const { fqn, stamp, from, rev } = record;
  return record.deleted ? goneText(fqn, stamp, from, rev) : updEntryText(fqn, stamp, rev, record.value);
}

/** Queues the state of a var for a session (replacing what is queued for it). */
function queueState(session: Session, record: StoreRecord, text = serialize(record)): void {
  session.outbox.put(record.fqn, text, record.deleted ? undefined : record.from);
}

function currentOf(record: StoreRecord): { value: unknown; stamp: string; from: string; rev: number } {
  return { value: record.value, stamp: record.stamp, from: record.from, rev: record.rev };
}
