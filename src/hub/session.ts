import type { AppType } from '../identity/app-type.js';
import type { InstanceInfo } from '../identity/instance-info.js';
import { Liveness } from '../wire/liveness.js';
import { Outbox } from '../transport/outbox.js';
import type { Transport, TransportHandlers } from '../transport/transport.js';
import { PING_FRAME, PING_TEXT } from '../wire/heartbeat-text.js';
import { updsHead } from '../wire/state-text.js';
import type { Access, Principal } from './access.js';
import type { TokenBucket } from './limits.js';
import { recordText } from './record-text.js';
import type { StoreRecord } from './store.js';

const UNLIMITED = { take: () => true } as unknown as TokenBucket;
/**
 * Above this many bytes queued on a session's socket the hub holds its updates back, coalescing
 * them to the latest per var: a slow reader costs at most this much socket buffer (plus one
 * state message per var it follows).
 */
const HIGH_WATER = 256 * 1024;
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/** One follow of a session, as the hub's routing trie holds it. @internal */
export interface SessionFollow {
  readonly session: Session;
  readonly sid: number;
  readonly tokens: readonly string[];
}

/** The follows of a session that has none: shared (most connections follow nothing, or not yet). */
class NoFollows extends Map<number, SessionFollow> {
  override set(): this {
    throw new Error('Session.follows: add a follow with addFollow');
  }
}
const NO_FOLLOWS: Map<number, SessionFollow> = new NoFollows();

/** What the hub does with what a session's transport reports (one per hub, shared by its sessions). @internal */
export interface SessionSink {
  /** A frame arrived on the session's transport. */
  frame(session: Session, data: string): void;
  /** The session's transport closed. */
  closed(session: Session): void;
  /** Answers and control messages that may wait for a peer (`HubLimits.maxQueuedBytes`). */
  readonly maxQueuedBytes: number;
  /** More than `maxQueuedBytes` wait for the session's peer: it does not read. */
  overflow(session: Session): void;
}

/** What a session is given by its `welcome` (see {@link Session.welcome}). @internal */
export interface Welcome {
  readonly id: string;
  readonly token: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly bucket: TokenBucket;
  readonly appType: AppType | undefined;
}

/** What the hub knows of a connection before and after `hello`. */
export interface ConnectionInfo {
  /** The principal returned by `authenticate`, if any. */
  readonly principal?: unknown;
  /** The peer's address, where the transport knows it. */
  readonly remoteAddress?: string;
}

/**
 * One connected client, on the hub side; it is its transport's handlers itself. Kept small: a hub
 * holds one per connection, most of them idle, so what only some connections need (follows) is
 * allocated when first needed. @internal
 */
export class Session implements TransportHandlers {
  /** Instance id, set by `welcome`. */
  id = '';
  token = '';
  attributes: Readonly<Record<string, string>> = NO_ATTRIBUTES;
  connectedAt = 0;
  welcomed = false;
  closed = false;
  /** The follows by sid (a shared empty map until the first: add with {@link addFollow}). */
  follows: Map<number, SessionFollow> = NO_FOLLOWS;
  /** The outbox, while the connection has one (see {@link outbox}). */
  private box: Outbox | undefined;
  /** Messages sent and coalesced by outboxes let go of, and pings sent without one. */
  private sentBefore = 0;
  private coalescedBefore = 0;
  messagesIn = 0;
  /** Permissions (undefined: the hub has no rules, everything is allowed). */
  access: Access | undefined;
  /** Message rate limit. */
  bucket = UNLIMITED;
  /** Throttled frames in a row. */
  throttled = 0;
  /** Bytes of the frame being processed (lets small frames skip the value-size check). */
  frameBytes = 0;
  /** Vars this connection created on the hub. */
  createdVars = 0;
  /** The app type it declared, when the hub knows it. */
  appType: AppType | undefined;
  /** Settles when the last write of this session that the store has not made durable yet is (an error if it failed). */
  lastUnsynced: Promise<unknown> | undefined;
  /** A write of this session failed in the store: its marks are no longer answered. */
  storeFailed = false;
  /** When the peer was last heard from. */
  readonly liveness = new Liveness(Date.now());
  /** When the hub last pinged (ms). */
  lastPing = 0;
  /** Closes the connection if no `hello` comes in time; cleared by the welcome. */
  private helloTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly transport: Transport,
    readonly info: ConnectionInfo,
    private readonly sink: SessionSink,
  ) {}

  /**
   * The outgoing queue: made when something is sent, and let go of once the connection is idle
   * and it is empty (an outbox holds maps and a frame in the making: most of an idle
   * connection's memory otherwise).
   */
  get outbox(): Outbox {
    return (this.box ??= new Outbox(this.transport, updsHead, {
      highWater: HIGH_WATER,
      maxControlChars: this.sink.maxQueuedBytes,
      onOverflow: () => this.sink.overflow(this),
    }));
  }

  /** Messages handed to the transport so far. */
  get sent(): number {
    return this.sentBefore + (this.box?.sent ?? 0);
  }

  /** Queued state messages replaced by newer ones so far. */
  get coalesced(): number {
    return this.coalescedBefore + (this.box?.coalesced ?? 0);
  }

  /** Sends what is queued now (no outbox: nothing is). */
  flush(): void {
    this.box?.flush();
  }

  /** Lets go of the outbox if nothing waits in it (the hub's heartbeat check calls this on connections it did not ping). */
  releaseOutbox(): void {
    const box = this.box;
    if (box === undefined || box.size !== 0) return;
    this.sentBefore += box.sent;
    this.coalescedBefore += box.coalesced;
    box.dispose();
    this.box = undefined;
  }

  /** Drops what is queued, for good (the connection closed). */
  disposeOutbox(): void {
    this.box?.dispose();
  }

  /** The name of the connection's principal (undefined: anonymous). */
  get principalName(): string | undefined {
    return (this.info.principal as Principal | undefined)?.name;
  }

  /** The instance as `$sys.instances` and `Hub.instances$` show it. */
  get instanceInfo(): InstanceInfo {
    return {
      instanceId: this.id,
      attributes: this.attributes,
      connectedAt: this.connectedAt,
      ...(this.info.principal ? { principal: this.principalName } : {}),
    };
  }

  /** Takes what the handshake gave it: from now on its frames are messages, not a `hello`. */
  welcome(welcome: Welcome): void {
    this.id = welcome.id;
    this.token = welcome.token;
    this.attributes = welcome.attributes;
    this.bucket = welcome.bucket;
    this.appType = welcome.appType;
    this.connectedAt = Date.now();
    this.welcomed = true;
    this.stopHelloTimer();
  }

  /**
   * Takes `count` messages from its rate limit.
   * @returns whether they are within it (then no frame in a row is throttled any more).
   */
  takeMessages(count: number): boolean {
    if (!this.bucket.take(count)) return false;
    this.throttled = 0;
    return true;
  }

  /** Counts a frame throttled. @returns how many in a row are. */
  throttle(): number {
    return ++this.throttled;
  }

  /**
   * Marks it closed and drops what waits in its outbox.
   * @returns false when it was closed already.
   */
  markClosed(): boolean {
    if (this.closed) return false;
    this.closed = true;
    this.disposeOutbox();
    return true;
  }

  /** Queues the state of a var (replacing what is queued for it); `text` is the record's, when the caller made it already. */
  queueState(record: StoreRecord, text: string = recordText(record)): void {
    this.outbox.put(record.fqn, text, record.deleted ? undefined : record.from);
  }

  /** Holds back its marks until `settled`, the durability of its latest write, settles. */
  unsynced(settled: Promise<unknown>): void {
    this.lastUnsynced = settled;
  }

  /** `settled` (one of its writes) is durable: its marks wait no longer, unless a later write is not. */
  synced(settled: Promise<unknown>): void {
    if (this.lastUnsynced === settled) this.lastUnsynced = undefined;
  }

  /** Sends a heartbeat ping: behind what is queued, or alone and at once when nothing is (no outbox needed). */
  ping(): void {
    if (this.box !== undefined) {
      this.box.push(PING_TEXT);
      return;
    }
    this.transport.send(PING_FRAME);
    this.sentBefore++;
  }

  /** Queues one message (serialized) that must not be coalesced. */
  send(message: object): void {
    this.outbox.push(JSON.stringify(message));
  }

  /** Adds (or replaces) a follow. */
  addFollow(follow: SessionFollow): void {
    if (this.follows === NO_FOLLOWS) this.follows = new Map();
    this.follows.set(follow.sid, follow);
  }

  /** Calls `expired` with it after `ms` unless the welcome (or a close) stops the timer first. */
  startHelloTimer(expired: (session: Session) => void, ms: number): void {
    this.helloTimer = setTimeout(expired, ms, this);
  }

  /** Stops the hello timer (the welcome came, or the connection closed). */
  stopHelloTimer(): void {
    if (this.helloTimer === undefined) return;
    clearTimeout(this.helloTimer);
    this.helloTimer = undefined;
  }

  /** Transport handler: a frame arrived. */
  frame(data: string): void {
    this.sink.frame(this, data);
  }

  /** Transport handler: the transport closed. */
  close(): void {
    this.stopHelloTimer();
    this.sink.closed(this);
  }

  /** Transport handler: the socket drained (backpressure). */
  drain(): void {
    this.box?.flush();
  }
}
