import { AbortedError, ClosedError } from '../core/errors.js';
import { Inbox } from './inbox.js';
import type { Transport, TransportHandlers } from './transport.js';

/**
 * The part of a WHATWG `WebSocket` this module uses. The browser's native `WebSocket` and the
 * `ws` package's `WebSocket` both fit. Handler parameters are `any` so that both type
 * declarations are assignable.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes queued by `send` and not yet written to the network. */
  readonly bufferedAmount: number;
  onopen: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
  send(data: string, ...rest: any[]): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: stops reading from the network (see `Transport.pause`). */
  pause?(): void;
  /** `ws` only: reads from the network again. */
  resume?(): void;
}

/** A `WebSocket` constructor (the browser's, or `ws`'s; the third argument is `ws`-only). */
export type WebSocketConstructorLike = new (url: string, protocols?: string | string[], options?: any) => WebSocketLike;

/** Options of {@link webSocketTransport}. */
export interface WebSocketTransportOptions {
  /**
   * How often to look at `bufferedAmount` while it is above 0, to fire `drain` (ms, default 5).
   * Only used when `sendCallback` is false.
   */
  drainPollMs?: number;
  /**
   * The socket's `send(data, callback)` calls `callback` once the data is written (true for
   * `ws`; the browser has no such callback). When true, `drain` is detected from those callbacks
   * instead of a timer. Default false. `wsServerTransport` and `connectWs` set it.
   */
  sendCallback?: boolean;
  /**
   * What a binary frame does: `'close'` (default) closes the transport with 1003; `'deliver'`
   * hands it to the `frame` handler as it came (not a string: the handler must refuse it, as a
   * hub does with `VS_BAD_FRAME` and, before `hello`, close 4002).
   */
  binary?: 'close' | 'deliver';
}

/** Options of {@link connectWebSocket}. */
export interface ConnectWebSocketOptions {
  /**
   * The `WebSocket` constructor to use. Default: `globalThis.WebSocket` (browsers, Node ≥ 22);
   * in Node 20 pass `ws`'s, or use `connectWs` from `ws-node`.
   */
  WebSocket?: WebSocketConstructorLike;
  /** Subprotocols to offer. */
  protocols?: string | string[];
  /** HTTP headers of the opening handshake (`ws` only: browsers ignore them). */
  headers?: Record<string, string>;
  /** Give up if the socket is not open after this many ms (default 10,000). */
  openTimeoutMs?: number;
  /** Cancels the attempt: the promise rejects with `AbortedError`. */
  signal?: AbortSignal;
  /** Passed on to {@link webSocketTransport}. */
  transport?: WebSocketTransportOptions;
}

const CONNECTING = 0;
const OPEN = 1;

/** Truncates a close reason to the 123 UTF-8 bytes a close frame allows. */
function fitReason(reason: string): string {
  if (reason.length <= 41) return reason; // ≤ 3 bytes per UTF-16 unit: always fits
  const enc = new TextEncoder();
  if (enc.encode(reason).length <= 123) return reason;
  let out = '';
  let bytes = 0;
  for (const ch of reason) {
    const n = enc.encode(ch).length;
    if (bytes + n > 123) break;
    out += ch;
    bytes += n;
  }
  return out;
}

/**
 * The close code `ws` sent when it failed the connection itself (frame too big, bad UTF-8,
 * protocol error); it then reports 1006 locally, because it stops reading the peer's reply.
 */
function wsFailureCode(ev: unknown): number | undefined {
  const err = (ev as { error?: { code?: unknown } } | null)?.error;
  const code = err?.code;
  if (typeof code !== 'string' || !code.startsWith('WS_ERR_')) return undefined;
  if (code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') return 1009;
  if (code === 'WS_ERR_INVALID_UTF8') return 1007;
  return 1002;
}

function errorMessage(ev: unknown): string {
  if (ev === null || typeof ev !== 'object') return '';
  const e = ev as { error?: unknown; message?: unknown };
  if (e.error instanceof Error) return e.error.message;
  if (typeof e.message === 'string') return e.message;
  return '';
}

/** `ws`'s socket seen as the event emitter it is (`on`), with the transport it feeds. */
interface WsSocket extends WebSocketLike {
  on(event: string, listener: (...args: any[]) => void): unknown;
  [TRANSPORT]?: WebSocketTransport;
}

const TRANSPORT = Symbol('varspace.transport');

/** Whether the socket is `ws`'s (an event emitter; the browser's has no `on`). */
function isEmitter(socket: WebSocketLike): socket is WsSocket {
  return typeof (socket as { on?: unknown }).on === 'function';
}

function pollDrain(transport: WebSocketTransport): void {
  transport.poll();
}

function onWsError(this: WsSocket, error: unknown): void {
  const message = (error as { message?: unknown } | null)?.message;
  this[TRANSPORT]?.onError(typeof message === 'string' ? message : String(error), wsFailureCode({ error }));
}

function onWsMessage(this: WsSocket, data: { toString(): string }, isBinary: boolean): void {
  this[TRANSPORT]?.onMessage(isBinary ? data : data.toString());
}

function onWsClose(this: WsSocket, code: number, reason: { toString(): string }): void {
  this[TRANSPORT]?.onClose(code, reason.toString());
}

class WebSocketTransport implements Transport {
  private readonly inbox = new Inbox();
  private closed = false;
  private lastError = '';
  /** Set when `ws` failed the connection with a protocol error (see `wsFailureCode`). */
  private failureCode: number | undefined;
  /** Frames sent while the socket was still connecting. */
  private early: string[] | undefined;
  private earlyBytes = 0;
  private drainTimer: ReturnType<typeof setTimeout> | undefined;
  private awaitingDrain = false;
  private pollMs = 5;
  private readonly sendCallback: boolean;
  private readonly deliverBinary: boolean;

  constructor(
    private readonly socket: WebSocketLike,
    options: WebSocketTransportOptions,
  ) {
    this.sendCallback = options.sendCallback ?? false;
    this.deliverBinary = options.binary === 'deliver';
    if (options.drainPollMs !== undefined) this.pollMs = options.drainPollMs;
    if (isEmitter(socket)) {
      // `ws`: listen as an event emitter, through listeners shared by every socket (no closures
      // per connection, no event object per frame); the WHATWG handlers a connect left are dropped.
      (socket as WsSocket)[TRANSPORT] = this;
      socket.on('error', onWsError);
      socket.on('message', onWsMessage);
      socket.on('close', onWsClose);
      socket.onerror = null;
      socket.onclose = null;
      socket.onmessage = null;
    } else {
      socket.onerror = (ev) => this.onError(errorMessage(ev), wsFailureCode(ev));
      socket.onmessage = (ev: { data: unknown }) => this.onMessage(ev.data);
      socket.onclose = (ev: { code?: number; reason?: string }) => this.onClose(ev?.code, ev?.reason);
    }
    const state = socket.readyState;
    if (state === CONNECTING) {
      this.early = [];
      socket.onopen = () => this.flushEarly();
    } else if (state !== OPEN) {
      this.finish();
      this.inbox.close(1006, 'the socket was already closed', false);
    }
  }

  /** The socket failed (`failureCode`: the close code `ws` sent, when it failed the connection itself). */
  onError(message: string, failureCode: number | undefined): void {
    this.lastError = message || this.lastError;
    this.failureCode ??= failureCode;
  }

  /** A message arrived: a string for a text frame (anything else is a binary frame). */
  onMessage(data: unknown): void {
    if (this.closed) return;
    if (typeof data === 'string' || this.deliverBinary) this.inbox.frame(data as string);
    else this.close(1003, 'binary frames are not supported');
  }

  onClose(closeCode: unknown, closeReason: unknown): void {
    let code = typeof closeCode === 'number' ? closeCode : 1006;
    let reason = typeof closeReason === 'string' ? closeReason : '';
    if (code === 1006) {
      if (reason === '') reason = this.lastError;
      if (this.failureCode !== undefined) code = this.failureCode;
    }
    this.finish();
    this.inbox.close(code, reason, false);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  get bufferedAmount(): number {
    if (this.closed) return 0;
    return this.earlyBytes + (this.socket.bufferedAmount || 0);
  }

  send(frame: string): void {
    if (this.closed) return;
    if (this.early !== undefined) {
      this.early.push(frame);
      this.earlyBytes += frame.length;
      this.awaitingDrain = true;
      return;
    }
    // the peer has begun closing: drop (ws would count it into bufferedAmount forever)
    if (this.socket.readyState !== OPEN) return;
    try {
      if (this.sendCallback) this.socket.send(frame, this.onSent);
      else this.socket.send(frame);
    } catch (err) {
      this.lastError = err instanceof Error ? err.message : String(err);
      return;
    }
    this.watchBuffered();
  }

  listen(handlers: TransportHandlers): void {
    this.inbox.listen(handlers);
  }

  pause(): void {
    if (!this.closed) this.socket.pause?.();
  }

  resume(): void {
    if (!this.closed) this.socket.resume?.();
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    // A paused socket would never read the peer's answer to the close frame: the closing
    // handshake, and the peer's `close` event, would wait for `ws`'s 30 s close timeout.
    this.socket.resume?.();
    this.finish();
    this.inbox.close(code, reason, true);
    const r = fitReason(reason);
    // browsers accept only 1000 and 3000–4999 from code; ws a few more: fall back rather than throw
    try {
      this.socket.close(code, r);
    } catch {
      try {
        this.socket.close(1000, r);
      } catch {
        try {
          this.socket.close();
        } catch {
          // nothing left to try; the socket is unusable anyway
        }
      }
    }
  }

  private finish(): void {
    this.closed = true;
    this.early = undefined;
    this.earlyBytes = 0;
    this.awaitingDrain = false;
    if (this.drainTimer !== undefined) {
      clearTimeout(this.drainTimer);
      this.drainTimer = undefined;
    }
  }

  private flushEarly(): void {
    const early = this.early;
    this.early = undefined;
    this.earlyBytes = 0;
    if (early === undefined || this.closed) return;
    for (const frame of early) this.send(frame);
    this.watchBuffered();
  }

  /** After a send: if bytes are left in the buffer, arrange for `drain` once they are gone. */
  private watchBuffered(): void {
    if (this.socket.bufferedAmount > 0) {
      this.awaitingDrain = true;
      if (!this.sendCallback && this.drainTimer === undefined) this.schedulePoll();
    } else if (this.awaitingDrain && !this.sendCallback) {
      this.awaitingDrain = false;
      this.inbox.drain();
    }
  }

  private schedulePoll(): void {
    const t = setTimeout(pollDrain, this.pollMs, this);
    (t as { unref?: () => void }).unref?.();
    this.drainTimer = t;
  }

  /** Polls `bufferedAmount` for the browser's socket (no send callback): `drain` once it is 0. */
  poll(): void {
    this.drainTimer = undefined;
    if (this.closed) return;
    if (this.socket.bufferedAmount > 0) this.schedulePoll();
    else if (this.awaitingDrain) {
      this.awaitingDrain = false;
      this.inbox.drain();
    }
  }

  private readonly onSent = (): void => {
    if (this.awaitingDrain && !this.closed && this.socket.bufferedAmount === 0) {
      this.awaitingDrain = false;
      this.inbox.drain();
    }
  };
}

/**
 * Wraps a WHATWG-style `WebSocket` (the browser's, or `ws`'s) as a {@link Transport}. Text
 * frames only: a binary frame closes the transport with 1003 (unless `options.binary` says `'deliver'`). The socket may still be
 * connecting: frames sent meanwhile are queued (and counted in `bufferedAmount`) until it opens.
 * The transport takes over the socket's `onopen`/`onmessage`/`onclose`/`onerror`.
 *
 * Closing: `close(code, reason)` runs this side's `close` handler (on a microtask) with that code
 * and reason, and closes the socket with them — or with 1000 if the runtime refuses the code
 * (browsers only allow 1000 and 3000–4999); the reason is cut to 123 bytes. A lost connection
 * reports 1006 with the last socket error as reason. When `ws` itself fails the connection (a
 * frame over `maxPayload`: 1009; bad UTF-8: 1007; other protocol errors: 1002), that code is
 * reported, with `ws`'s message (e.g. "Max payload size exceeded") as reason.
 *
 * Backpressure: whenever `bufferedAmount` is above 0 after a send, `drain` fires once it is back
 * to 0 — detected by polling every `drainPollMs` (only while bytes are buffered), or from `ws`'s
 * send callbacks when `sendCallback` is set.
 *
 * @param socket - an open or connecting WebSocket.
 * @param options - drain detection options.
 * @returns the transport.
 * @throws never (a socket that is already closed gives a transport whose `close` handler runs
 *   with 1006 on `listen`).
 *
 * @example
 * const t = webSocketTransport(new WebSocket('wss://example.org/varspace'));
 * t.listen({ frame: (f) => console.log(f), close: (code) => console.log('closed', code) });
 * t.send('[]'); // queued until the socket opens
 */
export function webSocketTransport(socket: WebSocketLike, options: WebSocketTransportOptions = {}): Transport {
  return new WebSocketTransport(socket, options);
}

/**
 * Opens a WebSocket and resolves with its {@link Transport} once it is open. Works in browsers
 * (native `WebSocket`) and in Node with an injected constructor (e.g. `ws`'s — or use
 * `connectWs`, which injects it). This module imports nothing from Node.
 *
 * @param url - `ws://` or `wss://` URL.
 * @param options - constructor, subprotocols, headers (`ws` only), open timeout, abort signal.
 * @returns the open transport.
 * @throws TypeError (rejection) when no constructor is given and `globalThis.WebSocket` is
 *   missing — the message says to pass one.
 * @throws ClosedError (rejection) when the URL is invalid, the connection fails or is refused,
 *   or it is not open within `openTimeoutMs`; `details` has `url` and, where known, `code` and
 *   `cause`.
 * @throws AbortedError (rejection) when `signal` aborts first.
 *
 * @example
 * import { WebSocket } from 'ws';
 * const t = await connectWebSocket('ws://127.0.0.1:7070', { WebSocket, openTimeoutMs: 2000 });
 * t.listen({ frame: console.log, close: () => {} });
 */
export function connectWebSocket(url: string, options: ConnectWebSocketOptions = {}): Promise<Transport> {
  const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructorLike }).WebSocket;
  if (Ctor === undefined) {
    return Promise.reject(
      new TypeError(
        'connectWebSocket: this runtime has no global WebSocket; pass one: ' +
          "connectWebSocket(url, { WebSocket }) with `import { WebSocket } from 'ws'`, " +
          'or use connectWs() from the ws-node module',
      ),
    );
  }
  const timeoutMs = options.openTimeoutMs ?? 10_000;
  const signal = options.signal;
  return new Promise<Transport>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortedError(`connecting to ${url} was aborted`));
      return;
    }
    let socket: WebSocketLike;
    try {
      socket =
        options.headers !== undefined ? new Ctor(url, options.protocols, { headers: options.headers }) : new Ctor(url, options.protocols);
    } catch (err) {
      const cause = err instanceof Error ? err.message : String(err);
      reject(new ClosedError(`could not connect to ${url}: ${cause}`, { url, cause }));
      return;
    }
    let settled = false;
    let lastError = '';
    const cleanup = (): void => {
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (error: Error): void => {
      if (settled) return;
      cleanup();
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = () => {}; // keep one: ws throws on an unhandled 'error'
      try {
        socket.close();
      } catch {
        // already failed
      }
      reject(error);
    };
    const onAbort = (): void => fail(new AbortedError(`connecting to ${url} was aborted`));
    const timer = setTimeout(
      () => fail(new ClosedError(`could not connect to ${url}: not open after ${timeoutMs} ms`, { url, timeoutMs })),
      timeoutMs,
    );
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.onerror = (ev) => {
      lastError = errorMessage(ev) || lastError;
    };
    socket.onclose = (ev: { code?: number; reason?: string }) => {
      const code = typeof ev?.code === 'number' ? ev.code : 1006;
      const cause = lastError || ev?.reason || 'connection closed';
      fail(new ClosedError(`could not connect to ${url}: ${cause}`, { url, code, cause }));
    };
    socket.onopen = () => {
      if (settled) return;
      cleanup();
      socket.onopen = null;
      resolve(webSocketTransport(socket, options.transport));
    };
  });
}
