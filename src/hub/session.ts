import type { AppType } from '../identity/app-type.js';
import { Liveness } from '../sync/liveness.js';
import { Outbox } from '../sync/outbox.js';
import type { Transport } from '../transport/transport.js';
import { updsHead } from '../wire/state-text.js';
import type { Access } from './access.js';
import type { TokenBucket } from './limits.js';

const UNLIMITED = { take: () => true } as unknown as TokenBucket;
/**
 * Above this many bytes queued on a session's socket the hub holds its updates back, coalescing
 * them to the latest per var: a slow reader costs at most this much socket buffer (plus one
 * state message per var it follows).
 */
const HIGH_WATER = 256 * 1024;

/** One follow of a session, as the hub's routing trie holds it. @internal */
export interface SessionFollow {
  readonly session: Session;
  readonly sid: number;
  readonly tokens: readonly string[];
}

/** What the hub knows of a connection before and after `hello`. */
export interface ConnectionInfo {
  /** The principal returned by `authenticate`, if any. */
  readonly principal?: unknown;
  /** The peer's address, where the transport knows it. */
  readonly remoteAddress?: string;
}

/** One connected client, on the hub side. @internal */
export class Session {
  /** Instance id, set by `welcome`. */
  id = '';
  token = '';
  attributes: Readonly<Record<string, string>> = {};
  connectedAt = 0;
  welcomed = false;
  closed = false;
  readonly follows = new Map<number, SessionFollow>();
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

  /**
   * @param maxQueuedBytes answers and control messages that may wait for the peer (see `HubLimits`).
   * @param onOverflow called once when they are over it.
   */
  constructor(
    readonly transport: Transport,
    readonly info: ConnectionInfo,
    maxQueuedBytes = Infinity,
    onOverflow?: () => void,
  ) {
    this.outbox = new Outbox(transport, updsHead, { highWater: HIGH_WATER, maxControlChars: maxQueuedBytes, onOverflow });
  }

  /** Queues one message (serialized) that must not be coalesced. */
  send(message: object): void {
    this.outbox.push(JSON.stringify(message));
  }
}
