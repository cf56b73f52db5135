import { BehaviorSubject, Observable, Subject, Subscription, filter as keep } from 'rxjs';
import { ClosedError, ConflictError, InternalError, TimeoutError, VarspaceError } from '../core/errors.js';
import { FqnTokenCache } from '../core/fqn-token-cache.js';
import { checkJsonValue } from '../core/json-value.js';
import { parseNs, parsePattern } from '../core/names.js';
import { PatternTrie, patternMatches } from '../core/pattern-trie.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import type { Tagged } from '../rx/tagged.js';
import type { Transport, TransportFactory } from '../transport/transport.js';
import { decodeFrame } from '../wire/codec.js';
import { PING_TEXT, heartbeatFrame, pongText } from '../wire/heartbeat-text.js';
import {
  PROTOCOL_VERSIONS,
  hubMessageSchema,
  quickUpds,
  type ErrMessage,
  type GoneMessage,
  type HubMessage,
  type UpdsMessage,
  type WelcomeMessage,
} from '../wire/messages.js';
import { remoteError } from '../wire/remote-error.js';
import { PUBS_HEAD, pubEntryText } from '../wire/state-text.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import { HybridClock, compareWrites } from '../wire/hybrid-clock.js';
import { Liveness, checkPeriodMs } from '../wire/liveness.js';
import { Outbox } from '../transport/outbox.js';
import { UnconfirmedWrites, type UnconfirmedWrite } from './unconfirmed.js';
import { INSTANCES_PATTERN, identity$ as identityOf$, presence$, resolveIdentity as resolveIdentityOf, type InstanceFilter, type PresenceEvent } from './presence.js';

/** At a low write rate, marks (which confirm writes) go out at most this often… */
const MARK_INTERVAL_MS = 1_000;
/** …unless this many writes are unconfirmed, or someone waits for the confirmation. */
const MARK_EVERY_WRITES = 1_000;
/** Milliseconds on a clock that only moves forward, at a steady rate (the link's clock is set to the hub's time from it). */
const steadyNow = () => performance.now();

/** Where a link is in its life. */
export type LinkStatus = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Options of {@link Link} (see `connect`). */
export interface LinkOptions {
  /** The local space (default: `defaultSpace()`, chosen by `connect`). */
  readonly space: Space;
  /** Descriptive attributes sent in `hello` (`processType`, `appName`, `role`, `appType`, `identity`). */
  readonly attributes?: Readonly<Record<string, string>>;
  /** Reconnect automatically (default: on when the link can open new transports). */
  readonly reconnect?: boolean | BackoffOptions;
  /** How long to wait for `welcome` (default 10 s). */
  readonly welcomeTimeoutMs?: number;
  /** Keep-alive: ping a quiet hub every `intervalMs` (default 10 s); reconnect after `timeoutMs` of silence (default 30 s). `false` turns it off. */
  readonly heartbeat?: { readonly intervalMs?: number; readonly timeoutMs?: number } | false;
  /** Replace a live instance that carries the same `attributes.identity` (default false: refused). */
  readonly takeover?: boolean;
  /**
   * The clock that counts time for stamps (tests; default: a steady clock). Stamps follow the
   * hub's time: at every `welcome` the link sets its clock to the hub's, so a local wall clock that
   * is off by minutes, or is stepped later, neither gets writes refused (`VS_CLOCK_SKEW`) nor makes them lose.
   */
  readonly now?: () => number;
}

/** What the hub answered to an accepted write. */
export interface WriteAck {
  readonly stamp: string;
  readonly rev: number;
}

/** A subscription to a follow/share/sync, with a promise of its first complete state. */
export interface LinkSubscription extends Subscription {
  /** Resolves when the hub has sent (follow) or confirmed (share) the current state. */
  readonly synced: Promise<void>;
}

/** Counters for tests and monitoring. */
export interface LinkStats {
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly valuesIn: number;
  readonly valuesOut: number;
  readonly reconnects: number;
  readonly coalesced: number;
}

/** The state this link holds of one var; updated in place and kept as long as the link (a shared var keeps its own at hand). */
interface ReplicaRecord extends UnconfirmedWrite {
  readonly fqn: string;
  stamp: string;
  from: string;
  rev: number;
  /** The write was an unmap: a stamped tombstone. */
  deleted: boolean;
}

/** A local var this link shares: how many shares cover it, and its write hook. */
interface SharedVar {
  count: number;
  stop: () => void;
  owned: boolean;
  /** Its record once it has one (records are never replaced, so it stays valid). */
  record: ReplicaRecord | undefined;
}

interface Follow {
  readonly sid: number;
  readonly pattern: string;
  readonly tokens: readonly string[];
  readonly into: string | undefined;
  rev: number | undefined;
  synced: () => void;
}

interface Share {
  readonly tokens: readonly string[];
  readonly vars: Set<Var<any>>;
}

interface Pending {
  resolve(ack: WriteAck): void;
  reject(error: Error): void;
  readonly fqn: string;
  /** Sent again after a reconnect until answered. */
  readonly serialized: string;
}

/**
 * A client session with a hub: shares local vars, follows remote ones (creating them locally on
 * receipt), and tags every remote update with its writer's instance id. Made by `connect`.
 *
 * @example
 * const link = await connect('ws://127.0.0.1:7070', { space });
 * link.share('ui.>');
 * link.follow('server.>');
 */
export class Link {
  /**
   * This process's instance id, assigned by the hub (kept across reconnects while the hub verifies
   * the resume token; otherwise the hub assigns a new one, see {@link instanceId$}).
   */
  instanceId = '';
  /**
   * The instance id, and each new one: a hub that cannot verify the resume token (it restarted
   * without its secret, or another principal connects) welcomes the link with a fresh id. The
   * link's earlier writes are then its own under the new id.
   */
  readonly instanceId$ = new BehaviorSubject<string>('');
  /** The hub's own instance id. */
  hubId = '';
  /** The local space. */
  readonly space: Space;
  /** `connecting → open → reconnecting → open … → closed`. */
  readonly status$ = new BehaviorSubject<LinkStatus>('connecting');
  /** Errors of this link that have no caller to throw to (also reported on the space's `errors$`). */
  readonly errors$ = new Subject<VarspaceError>();
  /**
   * Why the link closed, when the hub or the network closed it (not `close()`): set before
   * `status$` emits `'closed'`. A link replaced by another connection (close 4009: its identity
   * was taken over, or its instance id resumed elsewhere) does not reconnect; this is then a
   * {@link ForbiddenError}, also emitted on `errors$`.
   */
  closeReason: VarspaceError | undefined;

  private transport: Transport | undefined;
  private readonly outbox: Outbox;
  private readonly clock: HybridClock;
  private readonly records = new Map<string, ReplicaRecord>();
  private readonly follows = new Map<number, Follow>();
  private readonly followTrie = new PatternTrie<Follow>();
  private readonly shares = new Set<Share>();
  private readonly shared = new Map<Var<any>, SharedVar>();
  private readonly pending = new Map<number, Pending>();
  private readonly unconfirmed = new UnconfirmedWrites<ReplicaRecord>();
  private readonly markWaiters: { mark: number; resolve: () => void }[] = [];
  private readonly incoming = new Subject<Tagged<unknown>>();
  private readonly fqnTokens = new FqnTokenCache();
  private token = '';
  private epoch = '';
  private nextSid = 1;
  private nextRef = 1;
  private nextMark = 1;
  private nextPing = 1;
  /** `sub`s sent on this transport and not answered yet: while any is, snapshot `upds` do not move follow revisions. */
  private subsInFlight = 0;
  /** Unconfirmed writes that may have been in a frame the hub dropped (rate limit), to send again. */
  private readonly dropped = new Map<string, string>();
  private droppedTimer: ReturnType<typeof setTimeout> | undefined;
  private dropStreak = 0;
  private readonly pings = new Map<number, { resolve(): void; reject(error: Error): void }>();
  private pubsSinceMark = false;
  /** Runs for {@link MARK_INTERVAL_MS} while marks are held back (see `holdMarks`). */
  private markTimer: ReturnType<typeof setTimeout> | undefined;
  private suppressShare = false;
  private closing = false;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private welcomeWaiter: { resolve(): void; reject(error: Error): void } | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  /** When the hub was last heard from. */
  private readonly liveness = new Liveness(Date.now());
  private lastPing = 0;
  private counters = { messagesIn: 0, valuesIn: 0, valuesOut: 0, reconnects: 0 };

  /** @internal use `connect`. */
  constructor(
    private readonly factory: TransportFactory,
    private readonly options: LinkOptions,
    private readonly canReconnect: boolean,
  ) {
    this.space = options.space;
    // A steady clock, not the wall clock: set to the hub's time at each welcome, it cannot be
    // stepped ahead by the local wall clock in between (which the hub would refuse).
    this.clock = new HybridClock(options.now ?? steadyNow);
    if (!options.now) this.clock.syncTo(Date.now());
    const placeholder: Transport = { isOpen: false, bufferedAmount: 0, send() {}, listen() {}, close() {} };
    this.outbox = new Outbox(placeholder, () => PUBS_HEAD, { beforeFlush: (lone) => this.appendMark(lone), sendLoneAtOnce: true });
  }

  /** Opens the first transport and waits for `welcome`. @internal */
  async open(): Promise<void> {
    await this.handshake();
  }

  /** Counters of traffic. */
  stats(): LinkStats {
    return { ...this.counters, messagesOut: this.outbox.sent, coalesced: this.outbox.coalesced };
  }

  /**
   * Sends the current value and every later local write of the vars matching `pattern`,
   * including vars interned later. Writes that came from the hub are not sent back.
   * @throws {NameError} for a bad pattern.
   * @example const sub = link.share('ui.>'); … sub.unsubscribe();
   */
  share(pattern: string, options: { owned?: boolean } = {}): LinkSubscription {
    const { tokens } = parsePattern(pattern);
    const share: Share = { tokens, vars: new Set() };
    this.shares.add(share);
    const watching = this.space.vars$(pattern).subscribe((target) => {
      share.vars.add(target);
      this.shareVar(target, options.owned === true);
    });
    const unmaps = this.space.events$(pattern).subscribe((event) => {
      if (event.type !== 'var-unmapped') return;
      for (const target of share.vars) {
        if (target.fqn === event.fqn) {
          share.vars.delete(target);
          this.unshareVar(target);
          // A local unmap is a write (a stamped tombstone); one that came from the hub is not sent back.
          if (event.origin === undefined) this.sendDel(event.fqn);
        }
      }
    });
    const subscription = new Subscription(() => {
      watching.unsubscribe();
      unmaps.unsubscribe();
      this.shares.delete(share);
      for (const target of share.vars) this.unshareVar(target);
      share.vars.clear();
    });
    return withSynced(subscription, this.confirmed());
  }

  /**
   * Follows the hub's vars matching `pattern`: their current state first, then live updates;
   * vars are created locally on receipt (with `origin` on their events). `into` mounts them
   * under a local namespace prefix: remote `ui/b1` with `into: 'peers.a'` is `peers.a.ui/b1`.
   * @throws {NameError} for a bad pattern or prefix.
   * @example await link.follow('server.>').synced;
   */
  follow(pattern: string, options: { into?: string } = {}): LinkSubscription {
    const { tokens } = parsePattern(pattern);
    if (options.into !== undefined) parseNs(options.into);
    let synced!: () => void;
    const ready = new Promise<void>((resolve) => (synced = resolve));
    const follow: Follow = { sid: this.nextSid++, pattern, tokens, into: options.into, rev: undefined, synced };
    this.follows.set(follow.sid, follow);
    this.followTrie.add(tokens, follow);
    this.sendSub(follow);
    const subscription = new Subscription(() => {
      if (!this.follows.delete(follow.sid)) return;
      this.followTrie.remove(tokens, follow);
      follow.synced();
      this.sendControl({ t: 'unsub', sid: follow.sid });
    });
    return withSynced(subscription, ready);
  }

  /**
   * Shares and follows `pattern` (both ways). Concurrent writes converge: last writer wins by stamp.
   * @throws {NameError} for a bad pattern.
   */
  sync(pattern: string): LinkSubscription {
    const followed = this.follow(pattern);
    const shared = this.share(pattern);
    const subscription = new Subscription(() => {
      shared.unsubscribe();
      followed.unsubscribe();
    });
    return withSynced(subscription, Promise.all([followed.synced, shared.synced]).then(() => undefined));
  }

  /**
   * Tagged updates `{ value, fqn, from, stamp }` of the vars matching `pattern` (an FQN is a
   * pattern that matches itself): the state this link knows first, then every update from the
   * hub. Follows the pattern for as long as it is subscribed.
   * @throws {NameError} (at call time) for a bad pattern.
   * @example link.remote$<number>('sensors/t1').subscribe(({ value, from }) => show(value, from));
   */
  remote$<T = unknown>(pattern: string): Observable<Tagged<T>> {
    const { tokens } = parsePattern(pattern);
    return new Observable<Tagged<T>>((subscriber) => {
      for (const [fqn, record] of this.records) {
        if (!patternMatches(tokens, this.fqnTokens.of(fqn))) continue;
        const known = this.space.resolve<T>(fqn);
        if (known?.bound) subscriber.next({ value: known.getValue(), fqn, from: record.from, stamp: record.stamp });
      }
      const updates = this.incoming.subscribe((tagged) => {
        if (patternMatches(tokens, this.fqnTokens.of(tagged.fqn))) subscriber.next(tagged as Tagged<T>);
      });
      const followed = this.follow(pattern);
      return () => {
        updates.unsubscribe();
        followed.unsubscribe();
      };
    });
  }

  /**
   * The connected instances (DNS-SD browse): the current set, then each join and leave. A clean
   * close leaves at once; a lost peer leaves when the hub's heartbeat gives up on it.
   * @param filter attribute values to match (`appType`, `role`, `appName`, `identity`, `processType`).
   * @example link.instances$({ role: 'worker' }).subscribe((e) => console.log(e.type))
   */
  instances$(filter: InstanceFilter = {}): Observable<PresenceEvent> {
    return presence$(this.space, () => this.follow(INSTANCES_PATTERN), filter);
  }

  /**
   * The instance id that carries a logical identity (`attributes.identity`), following restarts:
   * emits the current carrier (or `undefined`), then every change.
   * @example link.identity$('dashboard-prod').subscribe((id) => console.log('now', id))
   */
  identity$(identity: string): Observable<string | undefined> {
    return identityOf$(this.instances$({ identity }), identity);
  }

  /**
   * The instance id carrying `identity` now, or `undefined`. While the link reconnects, the answer
   * waits for the hub.
   * @param options.timeoutMs - give up after this long (default 10 s).
   * @throws rejects with {@link ClosedError} when the link is or gets closed first, {@link TimeoutError} after `timeoutMs`.
   * @example const id = await link.resolveIdentity('dashboard-prod', { timeoutMs: 2000 });
   */
  resolveIdentity(identity: string, options: { timeoutMs?: number } = {}): Promise<string | undefined> {
    if (this.status$.value === 'closed') return Promise.reject(new ClosedError('link is closed'));
    const closed$ = this.status$.pipe(keep((status) => status === 'closed'));
    return resolveIdentityOf(this.instances$({ identity }), identity, closed$, options.timeoutMs ?? 10_000);
  }

  /** Every update that arrives from the hub, tagged. */
  get updates$(): Observable<Tagged<unknown>> {
    return this.incoming.asObservable();
  }

  /**
   * Writes `value` locally and through the hub; resolves with the hub's stamp and revision.
   * `undefined` is a write of "no value".
   * @throws rejects with {@link ValidationError} when `value` is not a JSON value (see
   *   `checkJsonValue`: nothing is written or sent), the hub's typed error
   *   ({@link ForbiddenError}, {@link ValidationError}, {@link LimitError}, …) or {@link ClosedError}.
   * @example await link.set('ui/theme', 'dark');
   */
  set<T>(fqn: string, value: T): Promise<WriteAck> {
    try {
      checkJsonValue(value, fqn);
    } catch (error) {
      return Promise.reject(error);
    }
    const target = this.space.intern<T>(fqn);
    const stamp = this.clock.tick();
    this.writeLocal(target, value, stamp);
    return this.request(fqn, (ref) => ({ t: 'pub', fqn, value, stamp, ref }));
  }

  /**
   * Compare-and-set through the hub: applies only if the var's hub revision is still
   * `expectedRevision` (0: it must not exist yet). On success the local var takes the value.
   * @throws rejects with {@link ConflictError} carrying `details.current` (value, rev); the local var is then set to the hub's value.
   * @throws rejects with {@link ValidationError} when `value` is not a JSON value (nothing is sent).
   */
  async cas<T>(fqn: string, expectedRevision: number, value: T): Promise<WriteAck> {
    checkJsonValue(value, fqn);
    for (let attempt = 0; ; attempt++) {
      const stamp = this.clock.tick();
      let ack: WriteAck;
      try {
        ack = await this.request(fqn, (ref) => ({ t: 'cas', fqn, value, stamp, rev: expectedRevision, ref }));
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        const current = error.details?.current as { stamp: string; from: string; rev: number } | undefined;
        // Sent again after a reconnect, and the first copy had been applied: the hub holds this very write.
        if (current && current.stamp === stamp && current.from === this.instanceId) return { stamp, rev: current.rev };
        // The revision matched, but the hub held a write stamped after this clock: it has observed
        // that stamp now (the hub sent the held state first), so stamp again and retry.
        const stampBehind = current ? current.rev === expectedRevision : expectedRevision === 0;
        if (stampBehind && attempt < 3) continue;
        throw error;
      }
      const record = this.records.get(fqn);
      // A newer write (a later local one, or one from the hub that arrived first) keeps its place.
      if (!record || compareWrites(ack.stamp, this.instanceId, record.stamp, record.from) > 0) {
        this.writeLocal(this.space.intern<T>(fqn), value, ack.stamp);
        this.setRecord(fqn, ack.stamp, this.instanceId, ack.rev);
      }
      return ack;
    }
  }

  /**
   * Round trip to the hub: resolves (with the time taken, in ms) once the hub has processed
   * everything this link sent before.
   * @throws rejects with {@link ClosedError} when the link closes first.
   */
  ping(): Promise<number> {
    if (this.status$.value === 'closed') return Promise.reject(new ClosedError('link is closed'));
    const n = this.nextPing++;
    const started = Date.now();
    this.sendControl({ t: 'ping', n });
    return new Promise<number>((resolve, reject) => this.pings.set(n, { resolve: () => resolve(Date.now() - started), reject }));
  }

  /** The hub revision of the last state of `fqn` this link knows (0 if none). */
  revision(fqn: string): number {
    return this.records.get(fqn)?.rev ?? 0;
  }

  /** Closes the link (a clean goodbye); pending requests reject with {@link ClosedError}. */
  async close(): Promise<void> {
    if (this.status$.value === 'closed') return;
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.transport?.isOpen) {
      this.sendControl({ t: 'bye' });
      this.outbox.flush();
      this.transport.close(1000, 'bye');
    }
    this.finish();
  }

  // ---- sending ----

  private sendControl(message: object): void {
    this.outbox.push(JSON.stringify(message));
  }

  private sendSub(follow: Follow): void {
    // A follow not yet in step, of vars this link already holds state of (it followed them
    // before, or wrote them), starts from revision 0: the hub then also sends the tombstones of
    // vars unmapped meanwhile.
    const rev = follow.rev ?? (this.knowsAny(follow.tokens) ? 0 : undefined);
    const since = rev !== undefined && this.epoch ? { since: rev, epoch: this.epoch } : {};
    this.subsInFlight++;
    this.sendControl({ t: 'sub', sid: follow.sid, pattern: follow.pattern, ...since });
  }

  private request(fqn: string, make: (ref: number) => object): Promise<WriteAck> {
    if (this.status$.value === 'closed') return Promise.reject(new ClosedError('link is closed'));
    const ref = this.nextRef++;
    const serialized = JSON.stringify(make(ref));
    // While reconnecting, a request waits for the welcome (resync sends every pending one): sent
    // now as well, right after the hello, it would reach the hub twice (a cas then fails).
    if (this.status$.value === 'open') this.outbox.push(serialized);
    return new Promise<WriteAck>((resolve, reject) => this.pending.set(ref, { resolve, reject, fqn, serialized }));
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
    const owned = () => shared.owned || target.meta.owner === this.instanceId;
    shared.stop = target.onWrite((value, origin) => {
      if (origin === undefined && !this.suppressShare) shared.record = this.publish(target.fqn, value, undefined, owned(), shared.record);
    });
    // What cannot be sent is refused as a validator refuses: the local write throws, nothing changes.
    target.requireJson(true);
    this.shared.set(target, shared);
    const record = this.records.get(target.fqn);
    // Not sent back: a value that came from the hub. Sent with a new stamp: a var interned again
    // after an unmap (from here or from the hub), which is newer than the tombstone.
    if (target.bound && (!record || record.deleted || record.from === this.instanceId)) {
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
   * Records and queues a local write of `fqn`; returns its record.
   * @param known - the var's record, when the caller holds it (a shared var does: no map lookup per write).
   */
  private publish(fqn: string, value: unknown, stamp = this.clock.tick(), owned = false, known?: ReplicaRecord): ReplicaRecord {
    // Plain writes go in a `pubs` batch; an owned one is a `pub` of its own (`owned` is per write).
    // Serialized first: a value with no JSON form (a BigInt) throws before anything is recorded.
    const serialized = owned ? JSON.stringify({ t: 'pub', fqn, value, stamp, owned }) : pubEntryText(fqn, stamp, value);
    const record = this.ownWrite(fqn, stamp, false, known);
    this.counters.valuesOut++;
    this.sendTracked(record, serialized);
    return record;
  }

  /**
   * Publishes the value a shared var holds already (as it is shared, or again after a hub
   * restart). One that is not a JSON value (given before the var was shared, so no guard saw it)
   * is reported on `errors$` and not sent.
   */
  private publishHeld(target: Var<any>, stamp: string | undefined, owned: boolean | undefined): ReplicaRecord | undefined {
    try {
      checkJsonValue(target.getValue(), target.fqn);
    } catch (error) {
      this.fail(error);
      return undefined;
    }
    return this.publish(target.fqn, target.getValue(), stamp, owned);
  }

  private sendDel(fqn: string, stamp = this.clock.tick()): void {
    this.sendTracked(this.ownWrite(fqn, stamp, true), JSON.stringify({ t: 'del', fqn, stamp }));
  }

  /** Records a write of this link (a value, or an unmap) as the state it holds of `fqn`; the var keeps its hub revision. */
  private ownWrite(fqn: string, stamp: string, deleted: boolean, record = this.records.get(fqn)): ReplicaRecord {
    return this.setRecord(fqn, stamp, this.instanceId, record?.rev ?? 0, deleted, record);
  }

  /**
   * Sets the state this link holds of `fqn`, in place when it holds one already (records are never
   * replaced: replacing one on every update would make old-space garbage, and shared vars keep theirs).
   * @param record - the current record, when the caller has looked it up.
   */
  private setRecord(fqn: string, stamp: string, from: string, rev: number, deleted = false, record = this.records.get(fqn)): ReplicaRecord {
    if (record === undefined) {
      const made: ReplicaRecord = { fqn, stamp, from, rev, deleted, unconfirmed: undefined, mark: 0, olderWrite: undefined, newerWrite: undefined };
      this.records.set(fqn, made);
      return made;
    }
    record.stamp = stamp;
    record.from = from;
    record.rev = rev;
    record.deleted = deleted;
    return record;
  }

  /** Queues a write: a `pubs` entry (an array's text) or a message of its own (an object's). */
  private queueWrite(fqn: string, serialized: string): void {
    this.outbox.put(fqn, serialized, serialized.charCodeAt(0) === 91 /* [ */ ? '' : undefined);
  }

  /** Queues a write and keeps it until the hub confirms it, so a reconnect can send it again (latest per var). */
  private sendTracked(record: ReplicaRecord, serialized: string): void {
    this.unconfirmed.add(record, serialized, this.nextMark);
    this.pubsSinceMark = true;
    this.queueWrite(record.fqn, serialized);
  }

  /**
   * Before a flush: ends the frame with a mark when writes went out since the last one. Marks are
   * held back (to at most one every {@link MARK_INTERVAL_MS}) while nobody waits for them and few
   * writes are unconfirmed: at a low rate, a `marked` answer for every write would double the
   * frames the hub sends and wake the writer for each. A lone write (sent at once: at a low rate,
   * every write) never carries a mark; its mark waits for the timer and goes in a frame of its own.
   * A mark in the frame of a lone write made the hub answer the writer while it delivered that
   * write, waking two processes at once on shared cores: such writes were most of the slowest 5 %
   * in the latency bench.
   */
  private appendMark(lone: boolean): void {
    if (!this.pubsSinceMark) return;
    if (this.markWaiters.length > 0 || this.unconfirmed.size >= MARK_EVERY_WRITES) this.sendMark();
    else if (this.markTimer !== undefined) return; // held back: the timer sends it
    else if (lone) this.holdMarks();
    else this.sendMark();
  }

  /** Queues a mark now, if writes went out since the last one. */
  private sendMark(): void {
    if (!this.pubsSinceMark || this.closing) return;
    this.pubsSinceMark = false;
    this.outbox.push(JSON.stringify({ t: 'mark', n: this.nextMark++ }));
    this.holdMarks();
  }

  /**
   * Holds marks back for {@link MARK_INTERVAL_MS} (a timer rather than a clock read at every
   * flush); at the end, a mark goes out for the writes made meanwhile, if any.
   */
  private holdMarks(): void {
    if (this.markTimer !== undefined) clearTimeout(this.markTimer);
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      if (this.status$.value === 'open') this.sendMark();
    }, MARK_INTERVAL_MS);
    (this.markTimer as { unref?: () => void }).unref?.();
  }

  /** Resolves once the hub confirmed every write queued so far. */
  private confirmed(): Promise<void> {
    if (this.unconfirmed.size === 0 && !this.pubsSinceMark) return Promise.resolve();
    // Writes not yet marked go out with the next mark; otherwise the last mark sent covers them.
    const mark = this.pubsSinceMark ? this.nextMark : this.nextMark - 1;
    const confirmed = new Promise<void>((resolve) => this.markWaiters.push({ mark, resolve }));
    if (this.status$.value === 'open') this.sendMark();
    return confirmed;
  }

  private writeLocal<T>(target: Var<T>, value: T, stamp: string): void {
    this.ownWrite(target.fqn, stamp, false);
    this.suppressShare = true;
    try {
      target.write(value, undefined);
    } finally {
      this.suppressShare = false;
    }
  }

  // ---- receiving ----

  private onFrame(data: string): void {
    this.liveness.hear();
    let messages: HubMessage[];
    try {
      messages = heartbeatFrame(data) ?? decodeFrame(data, hubMessageSchema, quickUpds);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.counters.messagesIn += messages.length;
    this.space.batch.run(() => {
      for (const message of messages) {
        try {
          this.onMessage(message);
        } catch (error) {
          this.fail(error);
        }
      }
    });
  }

  private onMessage(message: HubMessage): void {
    if (this.attempt !== 0 && message.t !== 'welcome' && message.t !== 'err') this.attempt = 0;
    switch (message.t) {
      case 'upds': return this.onUpdates(message);
      case 'gone': return this.onGone(message);
      case 'subok': {
        this.subsInFlight = Math.max(0, this.subsInFlight - 1);
        const follow = this.follows.get(message.sid);
        if (follow) {
          follow.rev = Math.max(follow.rev ?? 0, message.rev);
          follow.synced();
        }
        return;
      }
      case 'ack': {
        const pending = this.pending.get(message.ref);
        if (!pending) return;
        this.pending.delete(message.ref);
        const record = this.records.get(pending.fqn);
        if (record && record.stamp === message.stamp) record.rev = message.rev;
        pending.resolve({ stamp: message.stamp, rev: message.rev });
        return;
      }
      case 'err': return this.onError(message);
      case 'marked': return this.onMarked(message.n);
      case 'ping': return this.outbox.push(pongText(message.n));
      case 'pong': {
        this.pings.get(message.n)?.resolve();
        this.pings.delete(message.n);
        return;
      }
      case 'welcome': return this.onWelcome(message);
    }
  }

  private onUpdates(message: UpdsMessage): void {
    const from = message.from;
    for (const [fqn, stamp, rev, value] of message.u) this.onUpdate(fqn, stamp, rev, value, from);
  }

  private onUpdate(fqn: string, stamp: string, rev: number, value: unknown, from: string): void {
    this.clock.observeWellFormed(stamp); // checked by isUpdEntry
    const record = this.records.get(fqn);
    const follows: Follow[] = [];
    this.followTrie.forEachMatch(this.fqnTokens.of(fqn), (follow) => follows.push(follow));
    // A snapshot arrives in no particular revision order (and may be cut off by a drop): only
    // live updates, which come in revision order, may move a follow's resume point.
    if (this.subsInFlight === 0) for (const follow of follows) if (follow.rev !== undefined && rev > follow.rev) follow.rev = rev;
    if (record && compareWrites(stamp, from, record.stamp, record.from) <= 0) {
      if (record.stamp === stamp && record.from === from) record.rev = rev;
      return;
    }
    // No follow takes it: the hub corrects a write of this link that it ignored (an older one).
    // The var takes the held value, as a follower's would; with no var here, nothing is recorded,
    // so that a later follow still brings the value. Anything else is an update that was on its
    // way when its follow ended: dropped.
    const corrected = follows.length === 0 && this.mayBeCorrected(fqn, record) ? this.space.resolve(fqn) : undefined;
    if (follows.length === 0 && !corrected) return;
    this.setRecord(fqn, stamp, from, rev, false, record);
    this.counters.valuesIn++;
    for (const follow of follows) {
      const local = follow.into === undefined ? fqn : `${follow.into}.${fqn}`;
      try {
        this.space.ensure(local, { origin: from, system: true }, value);
      } catch (error) {
        this.fail(error);
      }
    }
    if (corrected) {
      try {
        this.space.ensure(fqn, { origin: from, system: true }, value);
      } catch (error) {
        this.fail(error);
      }
    }
    if (this.incoming.observed) this.incoming.next({ value, fqn, from, stamp });
  }

  private onGone(message: GoneMessage): void {
    const { fqn, stamp, from, rev } = message;
    this.clock.observe(stamp);
    const record = this.records.get(fqn);
    if (record && compareWrites(stamp, from, record.stamp, record.from) <= 0) return;
    const locals: string[] = [];
    this.followTrie.forEachMatch(this.fqnTokens.of(fqn), (follow) => void locals.push(follow.into === undefined ? fqn : `${follow.into}.${fqn}`));
    // No follow: a correction of this link's own (older) write, as in onUpdate.
    if (locals.length === 0) {
      if (!this.mayBeCorrected(fqn, record) || !this.space.resolve(fqn)) return;
      locals.push(fqn);
    }
    this.setRecord(fqn, stamp, from, rev, true);
    for (const local of locals) this.space.unmap(local, { origin: from });
  }

  /** Whether the hub may send this link a correction for `fqn`: its own write is the last it knows, or a request for it is unanswered. */
  private mayBeCorrected(fqn: string, record: ReplicaRecord | undefined): boolean {
    if (record?.from === this.instanceId) return true;
    for (const pending of this.pending.values()) if (pending.fqn === fqn) return true;
    return false;
  }

  private onError(message: ErrMessage): void {
    const error = remoteError(message);
    if (message.ref !== undefined) {
      const pending = this.pending.get(message.ref);
      if (pending) {
        this.pending.delete(message.ref);
        if (message.current) this.correct(pending.fqn, message.current, message.refused);
        pending.reject(error);
        return;
      }
    }
    if (message.fqn !== undefined && message.current) this.correct(message.fqn, message.current, message.refused);
    if (message.sid !== undefined) {
      this.subsInFlight = Math.max(0, this.subsInFlight - 1);
      this.follows.get(message.sid)?.synced();
    }
    // No ref, var or follow: the hub refused a whole frame (over its rate limit) and applied none of it.
    if (message.code === 'VS_LIMIT' && message.ref === undefined && message.fqn === undefined && message.sid === undefined) this.onFrameDropped();
    this.fail(error);
  }

  /**
   * The hub dropped one of our frames, which one is unknown: every unconfirmed write is set aside
   * (so a later `marked` cannot count it as done) and sent again after a pause that grows while
   * drops go on, with what else may have been in that frame (requests, pings, follows).
   */
  private onFrameDropped(): void {
    for (const record of this.unconfirmed.entries()) this.dropped.set(record.fqn, record.unconfirmed!);
    this.unconfirmed.clear();
    if (this.droppedTimer) return;
    const delay = 50 + backoffDelay(this.dropStreak++, { initialDelayMs: 100, maxDelayMs: 2000 });
    this.droppedTimer = setTimeout(() => {
      this.droppedTimer = undefined;
      if (this.status$.value !== 'open') return; // a reconnect's resync sends them
      this.takeBackDropped();
      for (const pending of this.pending.values()) this.outbox.push(pending.serialized);
      for (const n of this.pings.keys()) this.sendControl({ t: 'ping', n });
      if (this.subsInFlight > 0) for (const follow of this.follows.values()) this.sendSub(follow);
    }, delay);
  }

  /** Puts the writes set aside by {@link onFrameDropped} back in the queue, unless written again since. */
  private takeBackDropped(): void {
    for (const [fqn, serialized] of this.dropped) {
      const record = this.records.get(fqn);
      if (!record || record.unconfirmed !== undefined) continue;
      this.sendTracked(record, serialized);
    }
    this.dropped.clear();
  }

  /** The hub refused a write: take its value, so this replica agrees with it again. */
  private correct(fqn: string, current: NonNullable<ErrMessage['current']>, refused: string | undefined): void {
    this.clock.observe(current.stamp);
    const record = this.records.get(fqn);
    // The refused write never happened: undo it. But a newer local write (made after the refused
    // one, still on its way) or a newer state from elsewhere wins here as it will at the hub.
    const newerLocal = record !== undefined && record.from === this.instanceId && refused !== undefined && record.stamp > refused;
    const order = record && !(record.from === this.instanceId && record.stamp === refused) ? compareWrites(current.stamp, current.from, record.stamp, record.from) : 1;
    if (newerLocal || order <= 0) {
      if (order === 0) record!.rev = current.rev;
      return;
    }
    this.setRecord(fqn, current.stamp, current.from, current.rev);
    this.space.ensure(fqn, { origin: current.from, system: true }, current.value);
  }

  private onMarked(n: number): void {
    if (this.dropped.size === 0) this.dropStreak = 0;
    this.unconfirmed.confirm(n);
    for (let i = this.markWaiters.length - 1; i >= 0; i--) {
      if (this.markWaiters[i].mark <= n) {
        this.markWaiters[i].resolve();
        this.markWaiters.splice(i, 1);
      }
    }
  }

  /** Whether this link holds the state (a value or a tombstone) of a var matching `tokens`. */
  private knowsAny(tokens: readonly string[]): boolean {
    for (const fqn of this.records.keys()) if (patternMatches(tokens, this.fqnTokens.of(fqn))) return true;
    return false;
  }


  private fail(error: unknown): void {
    const typed = error instanceof VarspaceError ? error : new InternalError(String((error as Error)?.message ?? error));
    if (this.errors$.observed) this.errors$.next(typed);
    this.space.report(typed);
  }

  // ---- connection life ----

  private async handshake(): Promise<void> {
    const transport = await this.factory();
    if (this.closing) {
      transport.close(1000, 'bye');
      return;
    }
    this.transport = transport;
    // The outbox moves to the new transport at the welcome, not before: a flush between the
    // hello and the welcome would send writes and a mark ahead of the resync, and the hub's
    // `marked` for that mark would then clear unacked writes that had not been sent again yet.
    this.subsInFlight = 0;
    const welcomed = new Promise<void>((resolve, reject) => (this.welcomeWaiter = { resolve, reject }));
    const timeoutMs = this.options.welcomeTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      this.welcomeWaiter?.reject(new TimeoutError(`no welcome from the hub within ${timeoutMs} ms`));
      transport.close(4000, 'no welcome');
    }, timeoutMs);
    transport.listen({
      frame: (data) => this.onFrame(data),
      close: (code, reason) => this.onClose(transport, code, reason),
      drain: () => this.outbox.flush(),
    });
    const resume = this.instanceId && this.token ? { resume: { id: this.instanceId, token: this.token } } : {};
    const attributes = this.options.attributes ? { attributes: { ...this.options.attributes } } : {};
    const takeover = this.options.takeover ? { takeover: true } : {};
    transport.send(JSON.stringify([{ t: 'hello', versions: PROTOCOL_VERSIONS, ...attributes, ...resume, ...takeover }]));
    try {
      await welcomed;
    } finally {
      clearTimeout(timer);
      this.welcomeWaiter = undefined;
    }
  }

  private onWelcome(message: WelcomeMessage): void {
    const sameHubState = this.epoch !== '' && this.epoch === message.epoch;
    // The same store, but another hub process (a restart on durable data): revisions the previous
    // process issued after what its store had made durable may have been lost and issued again for
    // other writes, so follows resume from the new process's starting revision at the latest.
    if (sameHubState && message.hub !== this.hubId && message.startRev !== undefined) {
      for (const follow of this.follows.values()) if (follow.rev !== undefined && follow.rev > message.startRev) follow.rev = message.startRev;
    }
    if (this.instanceId !== message.id) this.adoptId(message.id);
    this.token = message.token;
    this.hubId = message.hub;
    // The hub's time, as it sent the welcome: the estimate is behind by the welcome's way here,
    // never ahead (a stamp too far ahead is refused; one a little behind is only counted on from).
    this.clock.syncTo(message.time);
    // Another hub state (a restart with a new store): follow again from revision 0 of the new
    // epoch, tombstones included: a var unmapped there while this link was away must not live on here.
    if (!sameHubState) for (const follow of this.follows.values()) follow.rev = 0;
    this.epoch = message.epoch;
    // The backoff starts over once the hub answers on this connection (see onMessage), not at the
    // welcome: a hub that welcomes and then drops the link at once (e.g. over a limit) must not
    // get a reconnect at the first, shortest delay every time.
    this.startHeartbeat();
    if (this.transport) this.outbox.reset(this.transport);
    if (this.status$.value !== 'connecting') this.resync(sameHubState);
    this.status$.next('open');
    this.welcomeWaiter?.resolve();
  }

  /**
   * Takes the id the hub assigned. Asked to resume another id and given a fresh one, the link
   * holds its earlier writes (and unconfirmed ones) as its own under the new id, so that a resync
   * sends them again and corrections of them still apply.
   */
  private adoptId(id: string): void {
    const old = this.instanceId;
    this.instanceId = id;
    if (old !== '') for (const record of this.records.values()) if (record.from === old) record.from = id;
    this.instanceId$.next(id);
  }

  /** After a reconnect: follow again from the last revision seen, and send what the hub may lack. */
  private resync(sameHubState: boolean): void {
    for (const follow of this.follows.values()) this.sendSub(follow);
    this.takeBackDropped();
    if (!sameHubState) {
      // The hub lost its state (a restart with an empty store): send every own write again.
      for (const target of this.shared.keys()) {
        const record = this.records.get(target.fqn);
        if (target.bound && (!record || record.from === this.instanceId)) this.publishHeld(target, record?.stamp, this.shared.get(target)?.owned);
      }
      // …and the own writes of vars it does not share (`set`, `cas`), with their stamps, and its own
      // unmaps (tombstones), so that no older write brings a deleted var back.
      for (const [fqn, record] of this.records) {
        if (record.from !== this.instanceId || record.unconfirmed !== undefined) continue;
        if (record.deleted) {
          this.sendDel(fqn, record.stamp);
          continue;
        }
        const target = this.space.resolve(fqn);
        if (target?.bound && !this.shared.has(target)) this.publish(fqn, target.getValue(), record.stamp);
      }
    }
    for (const record of this.unconfirmed.entries()) this.queueWrite(record.fqn, record.unconfirmed!);
    // The writes sent again are confirmed at once, not when the mark timer says.
    if (this.unconfirmed.size > 0) {
      this.pubsSinceMark = true;
      this.sendMark();
    }
    for (const [ref, pending] of this.pending) {
      // A cas's revision means nothing in another hub state (revisions are per epoch): it is
      // refused here rather than matched against an unrelated revision there. (Revision 0, "must
      // not exist", means the same everywhere.)
      const request = sameHubState ? undefined : (JSON.parse(pending.serialized) as { t: string; rev?: number });
      if (request?.t === 'cas' && request.rev !== 0) {
        this.pending.delete(ref);
        pending.reject(new ConflictError(`${pending.fqn}: the hub lost its state (a new epoch); expected revision ${request.rev} means nothing there`, { fqn: pending.fqn }));
        continue;
      }
      this.outbox.push(pending.serialized);
    }
    // Pings sent on the lost connection are asked again, so `ping()` still resolves; and one is
    // always asked, so that the hub's answer proves the connection (and resets the backoff).
    for (const n of this.pings.keys()) this.sendControl({ t: 'ping', n });
    this.sendControl({ t: 'ping', n: 0 });
  }

  private onClose(transport: Transport, code: number, reason: string): void {
    if (transport !== this.transport) return;
    if (this.welcomeWaiter) {
      this.welcomeWaiter.reject(code >= 4000 && reason ? closeError(code, reason) : new ClosedError(`closed before welcome (${code} ${reason})`, { code }));
    }
    if (this.closing || this.status$.value === 'closed') return;
    if (code === 4009) {
      // Replaced by another connection: reconnecting would only take the place back from it.
      this.closeReason = closeError(code, reason);
      this.fail(this.closeReason);
      this.finish();
      return;
    }
    if (!this.canReconnect || this.options.reconnect === false || this.status$.value === 'connecting') {
      this.closeReason = code >= 4000 && reason ? closeError(code, reason) : new ClosedError(`closed (${code} ${reason})`, { code });
      this.finish();
      return;
    }
    // A reconnect attempt that opened a transport and then lost it is still the same 'reconnecting'.
    if (this.status$.value !== 'reconnecting') this.status$.next('reconnecting');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const backoff = typeof this.options.reconnect === 'object' ? this.options.reconnect : {};
    if (backoff.maxAttempts !== undefined && this.attempt >= backoff.maxAttempts) {
      this.closeReason = new ClosedError(`gave up reconnecting after ${this.attempt} attempts`);
      this.finish();
      return;
    }
    const attempt = this.attempt++;
    const delay = backoffDelay(attempt, backoff);
    try {
      backoff.onRetry?.(attempt, delay);
    } catch (error) {
      this.fail(error);
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.counters.reconnects++;
      this.handshake().catch(() => {
        const alreadyScheduled = this.reconnectTimer !== undefined;
        if (!alreadyScheduled && !this.closing && this.status$.value !== 'closed') this.scheduleReconnect();
      });
    }, delay);
  }

  private startHeartbeat(): void {
    if (this.options.heartbeat === false || this.heartbeatTimer) return;
    const intervalMs = this.options.heartbeat?.intervalMs ?? 10_000;
    const timeoutMs = this.options.heartbeat?.timeoutMs ?? 30_000;
    const periodMs = checkPeriodMs(intervalMs, timeoutMs);
    // The hub pings a quiet link itself, at most a check period late: the link pings only when the
    // hub has been quieter than that, so that an idle connection carries one ping, not one each way
    // (but early enough that the answer still comes before the timeout).
    const pingAfterMs = Math.max(intervalMs, Math.min(intervalMs + periodMs, timeoutMs - periodMs));
    this.heartbeatTimer = setInterval(() => {
      const transport = this.transport;
      if (this.status$.value !== 'open' || !transport?.isOpen) return;
      const now = Date.now();
      const quiet = this.liveness.quietFor(now);
      if (quiet >= timeoutMs) {
        // The hub stopped answering: drop the connection, and reconnect.
        transport.close(4000, `VS_TIMEOUT no answer from the hub for ${quiet} ms`);
      } else if (quiet >= pingAfterMs && now - this.lastPing >= intervalMs) {
        this.lastPing = now;
        this.outbox.push(PING_TEXT);
      }
    }, periodMs);
    (this.heartbeatTimer as { unref?: () => void }).unref?.();
  }


  private finish(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.droppedTimer) clearTimeout(this.droppedTimer);
    this.droppedTimer = undefined;
    if (this.markTimer) clearTimeout(this.markTimer);
    this.markTimer = undefined;
    this.closing = true;
    this.outbox.dispose();
    for (const pending of this.pending.values()) pending.reject(new ClosedError('link closed before the hub answered'));
    this.pending.clear();
    for (const ping of this.pings.values()) ping.reject(new ClosedError('link closed before the hub answered'));
    this.pings.clear();
    for (const waiter of this.markWaiters) waiter.resolve();
    this.markWaiters.length = 0;
    for (const follow of this.follows.values()) follow.synced();
    for (const [target, { stop }] of this.shared) {
      stop();
      target.requireJson(false);
    }
    this.shared.clear();
    this.status$.next('closed');
    this.status$.complete();
    this.instanceId$.complete();
    this.incoming.complete();
    this.errors$.complete();
  }
}

function withSynced(subscription: Subscription, synced: Promise<void>): LinkSubscription {
  return Object.assign(subscription, { synced });
}

/** Maps a hub's close code (4xxx, with the error code as reason) to a typed error. */
function closeError(code: number, reason: string): VarspaceError {
  const [errorCode, ...rest] = reason.split(' ');
  if (errorCode.startsWith('VS_')) return remoteError({ t: 'err', code: errorCode, message: rest.join(' ') || errorCode });
  return new ClosedError(`closed (${code} ${reason})`, { code });
}
