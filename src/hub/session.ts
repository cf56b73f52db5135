import { Outbox } from '../sync/outbox.js';
import type { Transport } from '../transport/transport.js';

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

  constructor(
    readonly transport: Transport,
    readonly info: ConnectionInfo,
  ) {
    this.outbox = new Outbox(transport);
  }

  /** Queues one message (serialized) that must not be coalesced. */
  send(message: object): void {
    this.outbox.push(JSON.stringify(message));
  }
}
