/** What a transport tells its user. */
export interface TransportHandlers {
  /** One frame arrived (a string, as sent). */
  frame(data: string): void;
  /** The transport closed (by either side, or the connection was lost). Called once. */
  close(code: number, reason: string): void;
  /** Everything queued so far has been handed to the network (used for backpressure). */
  drain?(): void;
}

/**
 * One end of a two-way, ordered, message-framed channel: the only thing links and hubs need
 * from the network. Implementations: memory pair, `ws` (Node), the browser's `WebSocket`,
 * `MessagePort`.
 *
 * @example
 * const [a, b] = memoryPair();
 * b.listen({ frame: (f) => console.log(f), close: () => {} });
 * a.send('[]');
 */
export interface Transport {
  /** True until closed. */
  readonly isOpen: boolean;
  /** Bytes (or frames, where bytes are unknown) queued and not yet sent; 0 when unknown. */
  readonly bufferedAmount: number;
  /** Sends one frame. Frames sent after close are dropped. */
  send(frame: string): void;
  /** Sets the handlers; frames that arrived before are delivered now, in order. Call once. */
  listen(handlers: TransportHandlers): void;
  /** Closes both directions; the peer's `close` handler runs with the code and reason. */
  close(code?: number, reason?: string): void;
  /**
   * Stops reading from the peer, so that it meets backpressure (a few frames already read may
   * still arrive). Absent where the runtime cannot (a browser `WebSocket`, a memory pair).
   */
  pause?(): void;
  /** Reads from the peer again after {@link Transport.pause}. */
  resume?(): void;
}

/** Opens a new client transport (used again on each reconnect). */
export type TransportFactory = () => Promise<Transport>;
