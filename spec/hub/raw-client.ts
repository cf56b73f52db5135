// A raw protocol client for the hub specs: a `ws` socket that sends frames as given and records
// every message and the close, with bounded waits.
import { WebSocket } from 'ws';

/** What a raw client saw, and how to drive it. */
export interface RawClient {
  readonly socket: WebSocket;
  /** Every message received, in order. */
  readonly received: any[];
  /** The close, once it happened. */
  closed(): { code: number; reason: string } | undefined;
  /** Sends a frame: a string or a Buffer as it is, anything else as JSON. */
  send(frame: unknown): void;
  /** Waits (at most `timeoutMs`) until `predicate` holds. */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** The first received message of type `t` (waits for it). */
  next(t: string): Promise<any>;
  /** Waits for the close; resolves with it. */
  closing(): Promise<{ code: number; reason: string }>;
  /** Sends `hello` and waits for `welcome`. */
  hello(extra?: Record<string, unknown>): Promise<any>;
}

/** Opens a raw client to `url`; `open` collects it so a test can terminate it in `afterEach`. */
export async function rawClient(url: string, open: { close(): unknown }[]): Promise<RawClient> {
  const socket = new WebSocket(url);
  const received: any[] = [];
  let closed: { code: number; reason: string } | undefined;
  const waiters: (() => void)[] = [];
  socket.on('message', (data) => {
    received.push(...JSON.parse(String(data)));
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('close', (code, reason) => {
    closed = { code, reason: String(reason) };
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('error', () => {});
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  open.push({ close: () => socket.terminate() });
  const until = async (predicate: () => boolean, timeoutMs = 5000) => {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`timed out; received ${JSON.stringify(received).slice(0, 500)}; closed ${JSON.stringify(closed)}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  const client: RawClient = {
    socket,
    received,
    closed: () => closed,
    send: (frame) => socket.send(typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame)),
    until,
    next: async (t) => {
      await until(() => received.some((m) => m.t === t));
      return received.find((m) => m.t === t);
    },
    closing: async () => {
      await until(() => closed !== undefined);
      return closed!;
    },
    hello: async (extra = {}) => {
      client.send([{ t: 'hello', versions: [1], ...extra }]);
      return client.next('welcome');
    },
  };
  return client;
}
