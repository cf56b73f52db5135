import { Inbox } from './inbox.js';
import type { Transport, TransportHandlers } from './transport.js';

/**
 * The part of a `MessagePort` this module uses, typed structurally so that both Node's
 * `worker_threads` `MessagePort` (`on('message', (value) => …)`) and the Web `MessagePort`
 * (`addEventListener('message', (event) => …)` + `start()`, or `onmessage`) fit — as do a Web
 * Worker's `self`, a `Worker`, and a `BroadcastChannel` (one-to-one use only).
 */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  /** Node style: the listener gets the message itself. Preferred when present. */
  on?(event: string, listener: (...args: any[]) => void): unknown;
  off?(event: string, listener: (...args: any[]) => void): unknown;
  /** Web style: the listener gets a `MessageEvent`; `start()` is called after. */
  addEventListener?(type: string, listener: (ev: any) => void): void;
  removeEventListener?(type: string, listener: (ev: any) => void): void;
  /** Used when there is neither `on` nor `addEventListener`. */
  onmessage?: ((ev: any) => void) | null;
  start?(): void;
  close?(): void;
}

/**
 * The in-band control message a {@link messagePortTransport} posts when it closes (ports have no
 * close notification of their own). Frames are always strings, so an object never collides
 * with one.
 *
 * @example
 * { varspace: 'close', code: 1000, reason: 'bye' }
 */
export interface MessagePortCloseMessage {
  varspace: 'close';
  code: number;
  reason: string;
}

function isCloseMessage(m: unknown): m is MessagePortCloseMessage {
  return (
    m !== null &&
    typeof m === 'object' &&
    (m as MessagePortCloseMessage).varspace === 'close' &&
    typeof (m as MessagePortCloseMessage).code === 'number'
  );
}

class MessagePortTransport implements Transport {
  private readonly inbox = new Inbox();
  private closed = false;
  private readonly detach: () => void;

  constructor(private readonly port: MessagePortLike) {
    const onData = (data: unknown): void => {
      if (this.closed) return;
      if (typeof data === 'string') this.inbox.frame(data);
      else if (isCloseMessage(data)) {
        this.finish();
        this.inbox.close(data.code, typeof data.reason === 'string' ? data.reason : '', false);
      }
      // anything else is not ours: ignored
    };
    // Node emits 'close' on both ends when either port closes (or its thread ends); the
    // in-band message, posted before, has normally arrived by then.
    const onPortClose = (): void => {
      if (this.closed) return;
      this.finish();
      this.inbox.close(1006, 'the port was closed', false);
    };
    if (typeof port.on === 'function') {
      port.on('message', onData);
      port.on('close', onPortClose);
      this.detach = () => {
        port.off?.('message', onData);
        port.off?.('close', onPortClose);
      };
    } else if (typeof port.addEventListener === 'function') {
      const onEvent = (ev: { data: unknown }): void => onData(ev?.data);
      port.addEventListener('message', onEvent);
      port.addEventListener('close', onPortClose); // newer browsers have it
      port.start?.();
      this.detach = () => {
        port.removeEventListener?.('message', onEvent);
        port.removeEventListener?.('close', onPortClose);
      };
    } else {
      port.onmessage = (ev: { data: unknown }) => onData(ev?.data);
      this.detach = () => {
        port.onmessage = null;
      };
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Always 0: `postMessage` hands the message over at once. */
  get bufferedAmount(): number {
    return 0;
  }

  send(frame: string): void {
    if (this.closed) return;
    try {
      this.port.postMessage(frame);
    } catch {
      // a closed or detached port: the close will follow
    }
  }

  listen(handlers: TransportHandlers): void {
    this.inbox.listen(handlers);
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    const msg: MessagePortCloseMessage = { varspace: 'close', code, reason };
    try {
      this.port.postMessage(msg);
    } catch {
      // the peer is gone already
    }
    this.finish();
    this.inbox.close(code, reason, true);
  }

  /** Stops listening and closes the port (which also lets Node exit). */
  private finish(): void {
    this.closed = true;
    try {
      this.detach();
    } catch {
      // best effort
    }
    try {
      this.port.close?.();
    } catch {
      // best effort
    }
  }
}

/**
 * Wraps a `MessagePort` (Node `worker_threads` or Web) as a {@link Transport}. Frames are posted
 * as strings. Ports say nothing when the other side closes, so `close(code, reason)` first posts
 * the control message `{ varspace: 'close', code, reason }` ({@link MessagePortCloseMessage}),
 * then closes the port; the other end's `close` handler runs with that code and reason. In Node,
 * a port whose other end disappears without that message (e.g. the worker was terminated)
 * reports 1006. Non-string messages other than the control message are ignored.
 * `bufferedAmount` is always 0 and `drain` never fires.
 *
 * @param port - one end of a `MessageChannel` (or anything {@link MessagePortLike}).
 * @returns the transport; the port is started at once and messages are buffered until `listen`.
 * @throws never.
 *
 * @example
 * import { MessageChannel, Worker } from 'node:worker_threads';
 * const { port1, port2 } = new MessageChannel();
 * new Worker('./worker.js', { workerData: { port: port2 }, transferList: [port2] });
 * const t = messagePortTransport(port1);
 * t.listen({ frame: (f) => console.log(f), close: () => {} });
 * t.send('hello');
 */
export function messagePortTransport(port: MessagePortLike): Transport {
  return new MessagePortTransport(port);
}
