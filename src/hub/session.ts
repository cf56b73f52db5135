import type { AppType } from '../identity/app-type.js';
import { Liveness } from '../sync/liveness.js';
import { Outbox } from '../sync/outbox.js';
import type { Transport, TransportHandlers } from '../transport/transport.js';
import { updsHead } from '../wire/state-text.js';
import type { Access } from './access.js';
import type { TokenBucket } from './limits.js';

const UNLIMITED = { take: () => true } as unknown as TokenBucket;
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
  readonly outbox: Outbox;
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
  helloTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly transport: Transport,
    readonly info: ConnectionInfo,
    private readonly sink: SessionSink,
  ) {
    this.outbox = new Outbox(transport, updsHead);
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
    this.outbox.flush();
  }
}
