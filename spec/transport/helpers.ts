import type { IncomingMessage } from 'node:http';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { Transport } from '../../src/transport/transport.js';
import { wsServerTransport } from '../../src/transport/ws-node.js';

/** What a test listener has seen so far. */
export interface Recorder {
  frames: string[];
  closes: Array<[number, string]>;
  drains: number;
  /** Resolves once `frames.length >= n` (rejects after `ms`). */
  frameCount(n: number, ms?: number): Promise<void>;
  /** Resolves with the first close (rejects after `ms`). */
  closed(ms?: number): Promise<[number, string]>;
}

/** Calls `transport.listen` with handlers that record everything. */
export function record(transport: Transport): Recorder {
  const waiters: Array<() => void> = [];
  const wake = (): void => {
    for (const w of waiters.splice(0)) w();
  };
  const rec: Recorder = {
    frames: [],
    closes: [],
    drains: 0,
    frameCount: (n, ms = 5000) => until(() => rec.frames.length >= n, waiters, ms, `${n} frames (have ${rec.frames.length})`),
    closed: async (ms = 5000) => {
      await until(() => rec.closes.length > 0, waiters, ms, 'close');
      return rec.closes[0]!;
    },
  };
  transport.listen({
    frame: (f) => {
      rec.frames.push(f);
      wake();
    },
    close: (code, reason) => {
      rec.closes.push([code, reason]);
      wake();
    },
    drain: () => {
      rec.drains++;
      wake();
    },
  });
  return rec;
}

function until(cond: () => boolean, waiters: Array<() => void>, ms: number, what: string): Promise<void> {
  if (cond()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    const check = (): void => {
      if (cond()) {
        clearTimeout(timer);
        resolve();
      } else waiters.push(check);
    };
    waiters.push(check);
  });
}

/** Lets pending microtasks and one macrotask turn run. */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A `ws` server on 127.0.0.1, port chosen by the OS, wrapping each accepted socket. */
export interface TestServer {
  url: string;
  wss: WebSocketServer;
  /** Resolves with the next accepted connection (transport not yet listened to). */
  accept(ms?: number): Promise<{ transport: Transport; socket: WsSocket; req: IncomingMessage }>;
  /** Terminates every client and closes the server. */
  close(): Promise<void>;
}

export async function startServer(): Promise<TestServer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const { port } = wss.address() as { port: number };
  type Conn = { transport: Transport; socket: WsSocket; req: IncomingMessage };
  const ready: Conn[] = [];
  const waiting: Array<(c: Conn) => void> = [];
  wss.on('connection', (socket, req) => {
    const conn = { transport: wsServerTransport(socket), socket, req };
    const w = waiting.shift();
    if (w) w(conn);
    else ready.push(conn);
  });
  return {
    url: `ws://127.0.0.1:${port}`,
    wss,
    accept: (ms = 5000) => {
      const c = ready.shift();
      if (c) return Promise.resolve(c);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no connection accepted')), ms);
        waiting.push((conn) => {
          clearTimeout(timer);
          resolve(conn);
        });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
