import { WebSocket, type ClientOptions } from 'ws';
import type { Transport } from './transport.js';
import {
  connectWebSocket,
  webSocketTransport,
  type ConnectWebSocketOptions,
  type WebSocketConstructorLike,
  type WebSocketTransportOptions,
} from './web-socket-transport.js';

/** Options of {@link connectWs}: those of `connectWebSocket`, plus `ws`'s own client options. */
export interface ConnectWsOptions extends ConnectWebSocketOptions {
  /**
   * Extra options for `ws`'s `WebSocket` constructor (e.g. `maxPayload`, `perMessageDeflate`,
   * TLS settings); `headers` given at the top level are merged over `wsOptions.headers`.
   */
  wsOptions?: ClientOptions;
}

/**
 * Node only: opens a client WebSocket with the `ws` package and resolves with its
 * {@link Transport} once open. Same as `connectWebSocket` with `ws`'s constructor as default,
 * handshake `headers` supported, and `drain` detected from `ws`'s send callbacks (no polling).
 *
 * @param url - `ws://` or `wss://` URL.
 * @param options - subprotocols, headers, open timeout, abort signal, `ws` client options.
 * @returns the open transport.
 * @throws ClosedError (rejection) when the connection is refused, fails, or is not open within
 *   `openTimeoutMs` (default 10,000); `details` has `url` and, where known, `code` and `cause`.
 * @throws AbortedError (rejection) when `options.signal` aborts first.
 *
 * @example
 * const t = await connectWs('ws://127.0.0.1:7070', { headers: { authorization: 'Bearer …' } });
 * t.listen({ frame: (f) => console.log(f), close: (code, reason) => console.log(code, reason) });
 * t.send('[]');
 */
export function connectWs(url: string, options: ConnectWsOptions = {}): Promise<Transport> {
  const { wsOptions, ...rest } = options;
  let Ctor: WebSocketConstructorLike = options.WebSocket ?? WebSocket;
  if (wsOptions !== undefined) {
    const base: ClientOptions = wsOptions;
    const Base = Ctor;
    Ctor = class extends (Base as typeof WebSocket) {
      constructor(u: string, protocols?: string | string[], opts?: ClientOptions) {
        const headers = { ...base.headers, ...opts?.headers };
        super(u, protocols, { ...base, ...opts, headers });
      }
    };
  }
  // ws's send takes a completion callback; an injected constructor may not
  const transport: WebSocketTransportOptions = {
    sendCallback: options.WebSocket === undefined,
    ...options.transport,
  };
  return connectWebSocket(url, { ...rest, WebSocket: Ctor, transport });
}

/**
 * Node only: wraps a server-side socket accepted by a `ws` `WebSocketServer` as a
 * {@link Transport}. Text frames only — a binary frame closes the connection with 1003, unless
 * `options.binary` is `'deliver'` (a hub refuses it itself, with a typed error). `drain` is
 * detected from `ws`'s send callbacks.
 *
 * @param socket - the socket from `wss.on('connection', (socket) => …)`.
 * @param options - `binary`: what a binary frame does (see `WebSocketTransportOptions`).
 * @returns the transport (call `listen` soon; frames that arrive before are buffered).
 * @throws never.
 *
 * @example
 * const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
 * wss.on('connection', (socket) => {
 *   const t = wsServerTransport(socket);
 *   t.listen({ frame: (f) => t.send(f), close: () => {} }); // echo
 * });
 */
export function wsServerTransport(socket: WebSocket, options: Pick<WebSocketTransportOptions, 'binary'> = {}): Transport {
  return webSocketTransport(socket, { ...options, sendCallback: true });
}
