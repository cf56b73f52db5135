import { BehaviorSubject, Observable, Subject, Subscription, filter as keep } from 'rxjs';
import { ClosedError, InternalError, TimeoutError, VarspaceError } from '../core/errors.js';
import { parseNs, parsePattern } from '../core/names.js';
import { patternMatches } from '../core/pattern-trie.js';
import type { Space } from '../core/space.js';
import type { Tagged } from '../rx/tagged.js';
import type { TransportFactory } from '../transport/transport.js';
import { decodeFrame } from '../wire/codec.js';
import { heartbeatFrame, pongText } from '../wire/heartbeat-text.js';
import { HybridClock } from '../wire/hybrid-clock.js';
import { hubMessageSchema, quickUpds, type ErrMessage, type HubMessage, type WelcomeMessage } from '../wire/messages.js';
import { quickEvs } from '../wire/event-messages.js';
import { remoteError } from '../wire/remote-error.js';
import { quickServiceOut } from '../wire/service-messages.js';
import type { BackoffOptions } from './backoff.js';
import { Connection } from './connection.js';
import { Events, type EventStats, type TaggedEvent } from './events.js';
import type { PublishAck } from './pending-event.js';
import { Follows } from './follows.js';
import { Persistence } from './persistence.js';
import type { Persister, PersistStats } from './persister.js';
import {
  INSTANCES_PATTERN,
  identity$ as identityOf$,
  presence$,
  resolveIdentity as resolveIdentityOf,
  type InstanceFilter,
  type PresenceEvent,
} from './presence.js';
import { Replica } from './replica.js';
import { Requests } from './requests.js';
import { services$, SERVICES_PATTERN, type ServiceEvent } from './service-presence.js';
import { LinkServices, type RequestOptions, type ServeOptions, type ServiceHandler, type ServiceSubscription } from './services.js';
import { Shares } from './shares.js';
import { withSynced } from './with-synced.js';
import { WriteMarks } from './write-marks.js';

/** The quick checks of the messages a link gets most: a follower's `upds`, a subscriber's `evs`, requests and replies (zod decides the rest). */
const quickHubMessage = (message: unknown): HubMessage | undefined => quickUpds(message) ?? quickEvs(message) ?? quickServiceOut(message);

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
  /**
   * Where the link keeps its state across a reload or a crash (see {@link Persister}): before
   * `connect` resolves, the space holds the persisted vars and the link its unconfirmed writes
   * and its instance id (resumed when the hub still knows it).
   */
  readonly persist?: Persister;
  /**
   * When the hub cannot be reached at start, resolve anyway with a link in `reconnecting` state,
   * which works from the persisted state and keeps trying (default false: `connect` rejects).
   */
  readonly offline?: boolean;
  /** Events published while disconnected that are kept to be sent on reconnect (default 10,000); over it the oldest are dropped (`LimitError` on `errors$`). */
  readonly maxBufferedEvents?: number;
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
export interface LinkStats extends EventStats {
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly valuesIn: number;
  readonly valuesOut: number;
  readonly reconnects: number;
  readonly coalesced: number;
  /** Persistence counters (with `persist`). */
  readonly persist?: PersistStats;
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
  readonly status$: BehaviorSubject<LinkStatus>;
  /** Errors of this link that have no caller to throw to (also reported on the space's `errors$`). */
  readonly errors$ = new Subject<VarspaceError>();
  /**
   * Why the link closed, when the hub or the network closed it (not `close()`): set before
   * `status$` emits `'closed'`. A link replaced by another connection (close 4009: its identity
   * was taken over, or its instance id resumed elsewhere) does not reconnect; this is then a
   * {@link ForbiddenError}, also emitted on `errors$`.
   */
  closeReason: VarspaceError | undefined;
  /**
   * Resolves once the persisted state is in the space (at once without `persist`; `connect`
   * waits for it). A persister that cannot load is reported on `errors$`, and this still resolves.
   */
  readonly hydrated: Promise<void>;

  private readonly connection: Connection;
  private readonly replica: Replica;
  private readonly requests: Requests;
  private readonly marks: WriteMarks;
  private readonly follows: Follows;
  private readonly shares: Shares;
  private readonly persistence: Persistence | undefined;
  private readonly offline: boolean;
  private readonly events: Events;
  private readonly services: LinkServices;
  private messagesIn = 0;

  /** @internal use `connect`. */
  constructor(factory: TransportFactory, options: LinkOptions, canReconnect: boolean) {
    const space = (this.space = options.space);
    // A steady clock, not the wall clock: set to the hub's time at each welcome, it cannot be
    // stepped ahead by the local wall clock in between (which the hub would refuse).
    const clock = new HybridClock(options.now ?? steadyNow);
    if (!options.now) clock.syncTo(Date.now());
    const replica = (this.replica = new Replica({ space, clock }));
    const fail = (error: unknown) => this.fail(error);
    const connection = (this.connection = new Connection({
      factory,
      canReconnect,
      link: options,
      clock,
      hooks: {
        opening: () => this.follows.onTransport(),
        frame: (data) => this.onFrame(data),
        welcomed: (message, sameHubState) => this.onWelcome(message, sameHubState),
        resync: (sameHubState) => this.resync(sameHubState),
        ended: (reason, report) => this.end(reason, report),
        fail,
        beforeFlush: (lone) => this.marks.appendMark(lone),
      },
    }));
    this.status$ = connection.status$;
    const requests = (this.requests = new Requests({ connection, replica, space }));
    const resendAfterDrop = () => {
      requests.resend();
      this.follows.resendInFlight();
    };
    const marks = (this.marks = new WriteMarks({ connection, replica, resendAfterDrop }));
    this.follows = new Follows({ connection, replica, requests, space, fail });
    this.shares = new Shares({ space, replica, marks, fail });
    this.offline = options.offline === true;
    const persister = options.persist;
    this.persistence =
      persister && new Persistence({ persister, space, replica, connection, marks, follows: this.follows, fail, ...this.persistHooks() });
    this.hydrated = this.persistence?.hydrate() ?? Promise.resolve();
    const self = () => this.instanceId;
    this.events = new Events({ connection, self, fail, maxBufferedEvents: options.maxBufferedEvents });
    this.services = new LinkServices({ connection, fail });
  }

  /** Opens the first transport and waits for `welcome` (an `offline` link that cannot reach the hub goes on reconnecting). @internal */
  async open(): Promise<void> {
    try {
      await this.connection.open();
    } catch (error) {
      const unreachable = error instanceof ClosedError || error instanceof TimeoutError;
      if (!this.offline || !unreachable || this.status$.value === 'closed') throw error;
      this.connection.retry();
    }
    // A persister's failure until now is reported after `connect` resolved, when the caller listens on `errors$`.
    const persistence = this.persistence;
    if (persistence) setTimeout(() => persistence.announce(), 0);
  }

  /**
   * Resolves once every change so far is handed to the persister and stored (at once without `persist`).
   * @example link.share('todo.>'); todos.next([...]); await link.persisted();
   */
  persisted(): Promise<void> {
    return this.persistence?.persisted() ?? Promise.resolve();
  }

  /** Counters of traffic. */
  stats(): LinkStats {
    const { outbox } = this.connection;
    return {
      messagesIn: this.messagesIn,
      valuesIn: this.follows.valuesIn,
      valuesOut: this.shares.valuesOut,
      reconnects: this.connection.reconnects,
      messagesOut: outbox.sent,
      coalesced: outbox.coalesced,
      ...(this.persistence ? { persist: this.persistence.stats() } : {}),
      ...this.events.stats(),
    };
  }

  /**
   * Sends the current value and every later local write of the vars matching `pattern`,
   * including vars interned later. Writes that came from the hub are not sent back.
   * @throws {NameError} for a bad pattern.
   * @example const sub = link.share('ui.>'); … sub.unsubscribe();
   */
  share(pattern: string, options: { owned?: boolean } = {}): LinkSubscription {
    parsePattern(pattern); // for its NameError, at call time
    return this.shares.share(pattern, options.owned === true);
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
    return this.follows.follow(pattern, tokens, options.into);
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
    return withSynced(
      subscription,
      Promise.all([followed.synced, shared.synced]).then(() => undefined),
    );
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
      this.replica.forEachMatch(tokens, ({ fqn, from, stamp }) => {
        const known = this.space.resolve<T>(fqn);
        if (known?.bound) subscriber.next({ value: known.getValue(), fqn, from, stamp });
      });
      const updates = this.follows.updates.subscribe((tagged) => {
        if (patternMatches(tokens, this.replica.tokens.of(tagged.fqn))) subscriber.next(tagged as Tagged<T>);
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

  /**
   * Publishes one event to the channel `fqn` (a name like a var's, never a var: the hub keeps no
   * value). Events of one tick leave in one message; while disconnected up to `maxBufferedEvents`
   * wait and are sent on reconnect, in order. Resolves once the hub accepted it, with its seq on
   * the channel; the promise is made only when awaited (the object returned is the queued event,
   * with `then`/`catch`/`finally`, not a `Promise` instance), so fire-and-forget costs nothing more.
   * @throws {NameError} / {@link ReservedNameError} for a bad channel name and {@link ValidationError}
   *   for a value that is not JSON (at call time, nothing sent); rejects with the hub's refusal
   *   ({@link ForbiddenError}, {@link ValidationError}, {@link LimitError}) or {@link ClosedError}.
   *   A refusal nobody awaits is reported on `errors$`.
   * @example link.publish('logs.api/error', { msg: 'disk full' });  // fire and forget
   * @example const { seq } = await link.publish('orders/placed', { id: 7 });
   */
  publish<T>(fqn: string, value: T): Promise<PublishAck> {
    return this.events.publish(fqn, value);
  }

  /**
   * Every event published to a channel matching `pattern` by any instance while subscribed (its
   * own only with `self: true`), in publish order per publisher, tagged with the publisher (`from`,
   * stamped by the hub), the hub's stamp, and the channel's `seq`. Events from while the link was
   * away are not replayed. Unsubscribing ends the subscription at the hub.
   * @throws {NameError} (at call time) for a bad pattern; the observable errors with
   *   {@link ForbiddenError} when the hub's rules do not let this link read `pattern`.
   * @example link.events$<string>('logs.>').subscribe(({ fqn, value, from }) => console.log(fqn, from, value));
   */
  events$<T = unknown>(pattern: string, options: { self?: boolean } = {}): Observable<TaggedEvent<T>> {
    return this.events.events$<T>(parsePattern(pattern).tokens, pattern, options.self === true);
  }

  /**
   * Serves the service `name` (an FQN, or a pattern of them): each request gets the handler's value
   * (or promise), or its throw as a `RemoteError` (code and message, no stack). Instances serving a
   * name form a queue group (`queue`, default the name): each request goes to one of them, in turn.
   * Registered again after a reconnect. `unsubscribe()` withdraws it; requests already delivered still answer.
   * @throws {NameError} for a bad name; `ready` rejects with the hub's refusal ({@link ForbiddenError}: no `serve` right).
   * @example link.serve<[number, number], number>('calc/add', ({ value: [a, b] }) => a + b);
   */
  serve<Req = unknown, Res = unknown>(name: string, handler: ServiceHandler<Req, Res>, options: ServeOptions = {}): ServiceSubscription {
    return this.services.serve(name, handler, options);
  }

  /**
   * Sends a request to one instance serving `fqn` and resolves with its reply.
   * @throws rejects with {@link NoRespondersError} (at once: nobody serves it), {@link TimeoutError}
   *   (after `timeoutMs`, default 5 s), {@link AbortedError} (`signal`; the handler's signal aborts
   *   too), {@link ClosedError} (the server or this link disconnected first), {@link ForbiddenError}
   *   (no `publish` right), {@link RemoteError} (the handler threw), {@link ValidationError} (a non-JSON
   *   payload, or one the app type's contract refuses), {@link NameError}.
   * @example const sum = await link.request<number>('calc/add', [1, 2], { timeoutMs: 1000 });
   */
  request<Res = unknown>(fqn: string, payload?: unknown, options: RequestOptions = {}): Promise<Res> {
    return this.services.request<Res>(fqn, payload, options);
  }

  /**
   * The services whose name overlaps `pattern` (default all): the current set, then each
   * registration added and removed, with its serving instance id and queue group.
   * @throws {NameError} (at call time) for a bad pattern.
   * @example link.services$('calc.>').subscribe((e) => console.log(e.type));
   */
  services$(pattern = '>'): Observable<ServiceEvent> {
    return services$({ space: this.space, follow: () => this.follow(SERVICES_PATTERN), updates$: this.updates$ }, pattern);
  }

  /** Every update that arrives from the hub, tagged. */
  get updates$(): Observable<Tagged<unknown>> {
    return this.follows.updates.asObservable();
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
    return this.requests.set(fqn, value);
  }

  /**
   * Compare-and-set through the hub: applies only if the var's hub revision is still
   * `expectedRevision` (0: it must not exist yet). On success the local var takes the value.
   * @throws rejects with {@link ConflictError} carrying `details.current` (value, rev); the local var is then set to the hub's value.
   * @throws rejects with {@link ValidationError} when `value` is not a JSON value (nothing is sent).
   */
  async cas<T>(fqn: string, expectedRevision: number, value: T): Promise<WriteAck> {
    return this.requests.cas(fqn, expectedRevision, value);
  }

  /**
   * Round trip to the hub: resolves (with the time taken, in ms) once the hub has processed
   * everything this link sent before.
   * @throws rejects with {@link ClosedError} when the link closes first.
   */
  ping(): Promise<number> {
    return this.requests.ping();
  }

  /** The hub revision of the last state of `fqn` this link knows (0 if none). */
  revision(fqn: string): number {
    return this.replica.revision(fqn);
  }

  /** Closes the link (a clean goodbye); pending requests reject with {@link ClosedError}. */
  async close(): Promise<void> {
    if (this.status$.value !== 'closed') {
      this.connection.close();
      this.finish();
    }
    await this.persistence?.close();
  }

  // ---- receiving: each message to the part that owns its state ----

  private onFrame(data: string): void {
    let messages: HubMessage[];
    try {
      messages = heartbeatFrame(data) ?? decodeFrame(data, hubMessageSchema, quickHubMessage);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.messagesIn += messages.length;
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
    if (message.t !== 'welcome' && message.t !== 'err') this.connection.answered();
    switch (message.t) {
      case 'upds':
        return this.follows.onUpdates(message);
      case 'gone':
        return this.follows.onGone(message);
      case 'subok':
        return this.follows.onSubOk(message.sid, message.rev);
      case 'ack':
        return this.requests.onAck(message.ref, message.stamp, message.rev);
      case 'err':
        return this.onError(message);
      case 'marked':
        return this.marks.onMarked(message.n);
      case 'ping':
        return this.connection.outbox.push(pongText(message.n));
      case 'pong':
        return this.requests.onPong(message.n);
      case 'welcome':
        return this.connection.onWelcome(message);
      case 'evs':
        return this.events.onEvents(message);
      case 'evok':
        return this.events.onAccepted(message);
      case 'evgap':
        return this.events.onGap(message.missed);
      case 'evsuberr':
        return this.events.onSubRefused(message);
      case 'svok':
        return this.services.onServing(message.sv);
      case 'svno':
        return this.services.onRefused(message);
      case 'rqin':
        return this.services.onRequest(message);
      case 'rqx':
        return this.services.onCancel(message.id);
      case 'rp':
        return this.services.onReply(message.id, message.value, undefined);
      case 'rperr':
        return this.services.onReply(message.id, undefined, message);
    }
  }

  private onError(message: ErrMessage): void {
    const error = remoteError(message);
    if (this.requests.onRefused(message, error)) return;
    if (message.fqn !== undefined && message.current) this.replica.correct(message.fqn, message.current, message.refused);
    if (message.sid !== undefined) this.follows.onSubRefused(message.sid);
    // No ref, var or follow: the hub refused a whole frame (over its rate limit) and applied none of it.
    if (message.code === 'VS_LIMIT' && message.ref === undefined && message.fqn === undefined && message.sid === undefined)
      this.marks.onFrameDropped();
    this.fail(error);
  }

  private fail(error: unknown): void {
    const typed = error instanceof VarspaceError ? error : new InternalError(String((error as Error)?.message ?? error));
    if (this.errors$.observed) this.errors$.next(typed);
    this.space.report(typed);
  }

  // ---- connection life ----

  /** A welcome: follows resume in the hub's state, and the link takes the id the hub assigned. */
  private onWelcome(message: WelcomeMessage, sameHubState: boolean): void {
    this.follows.rebase(sameHubState, message.hub !== this.hubId ? message.startRev : undefined);
    if (this.instanceId !== message.id) {
      this.replica.adopt(message.id);
      this.instanceId = message.id;
      this.instanceId$.next(message.id);
    }
    this.hubId = message.hub;
  }

  /** After a reconnect: follow again from the last revision seen, and send what the hub may lack. */
  private resync(sameHubState: boolean): void {
    this.follows.resubscribe();
    this.marks.takeBackDropped();
    if (!sameHubState) this.shares.republish();
    this.marks.resend();
    this.requests.resync(sameHubState);
    this.events.resync();
    this.services.resync();
  }

  /** The hub or the network ended the link for good. */
  private end(reason: VarspaceError, report: boolean): void {
    this.closeReason = reason;
    if (report) this.fail(reason);
    this.finish();
    void this.persistence?.close();
  }

  /** What persistence needs of the link itself: its hub's id, and taking a persisted instance id. */
  private persistHooks(): { hubId: () => string; adoptId: (id: string, hubId: string) => void } {
    return {
      hubId: () => this.hubId,
      adoptId: (id, hubId) => {
        this.replica.self = id;
        this.instanceId = id;
        this.instanceId$.next(id);
        this.hubId = hubId;
      },
    };
  }

  private finish(): void {
    this.connection.stop();
    this.requests.close();
    this.services.close();
    this.marks.close();
    this.follows.close();
    this.shares.close();
    this.events.close();
    this.status$.next('closed');
    this.status$.complete();
    this.instanceId$.complete();
    this.follows.updates.complete();
    this.errors$.complete();
  }
}
