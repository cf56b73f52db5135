// Helpers for the reconnect, backpressure and hub-restart specs: a TCP proxy that can drop,
// refuse and pause connections; a transport factory that counts the messages of each type; waits.
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import type { Transport, TransportFactory, TransportHandlers } from '../../src/transport/transport.js';
import { connectWs } from '../../src/transport/ws-node.js';

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until it holds; throws (with `what`) after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000, everyMs = 5): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A free TCP port on 127.0.0.1 (bound on port 0, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Paused by the test (not by flow control). */
  toClientPaused: boolean;
  fromClientPaused: boolean;
}

/**
 * A TCP proxy in front of a hub, on 127.0.0.1. It passes bytes both ways with flow control (it
 * never buffers more than the sockets do), and lets a test cut every connection (`drop`), refuse
 * new ones (`down`/`up`), or stop reading one direction (`pauseToClient`: the hub's socket backs
 * up, as with a slow follower; `pauseFromClient`: the client's socket backs up).
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private readonly halfOpen = new Set<Socket>();
  private refusing = false;
  private pausedToClient = false;
  private pausedFromClient = false;
  /** Connections accepted and passed on (refused ones not counted). */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private target: { host: string; port: number },
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    // `proxy` is set right after `listen` resolves, before any connection can be accepted.
    const server = createServer((client) => proxy.onConnection(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const proxy = new TcpProxy(server, (server.address() as { port: number }).port, { host: targetHost, port: targetPort });
    return proxy;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Number of connections open now. */
  get open(): number {
    return this.pairs.size;
  }

  /** Points new connections at another port (e.g. a restarted hub). */
  retarget(port: number, host = '127.0.0.1'): void {
    this.target = { host, port };
  }

  /** Cuts every connection now (both sides see the TCP connection end). */
  drop(): void {
    for (const pair of [...this.pairs]) this.destroy(pair);
  }

  /**
   * Cuts only the client's side of every connection: the hub's side stays open and silent, as
   * when a client's network goes away without a word (a half-open connection).
   */
  cutClientSide(): void {
    for (const pair of [...this.pairs]) {
      this.pairs.delete(pair);
      pair.upstream.removeAllListeners('data');
      pair.upstream.removeAllListeners('close');
      pair.upstream.pause();
      this.halfOpen.add(pair.upstream);
      pair.upstream.once('close', () => this.halfOpen.delete(pair.upstream));
      pair.client.destroy();
    }
  }

  /** Cuts every connection and refuses new ones until `up`. */
  down(): void {
    this.refusing = true;
    this.drop();
  }

  up(): void {
    this.refusing = false;
  }

  /** Stops reading from the hub: what the hub sends the client piles up in the hub's socket. */
  pauseToClient(): void {
    this.pausedToClient = true;
    for (const pair of this.pairs) {
      pair.toClientPaused = true;
      pair.upstream.pause();
    }
  }

  resumeToClient(): void {
    this.pausedToClient = false;
    for (const pair of this.pairs) {
      pair.toClientPaused = false;
      if (!pair.client.writableNeedDrain) pair.upstream.resume();
    }
  }

  /** Stops reading from the client: what the client sends piles up in the client's socket. */
  pauseFromClient(): void {
    this.pausedFromClient = true;
    for (const pair of this.pairs) {
      pair.fromClientPaused = true;
      pair.client.pause();
    }
  }

  resumeFromClient(): void {
    this.pausedFromClient = false;
    for (const pair of this.pairs) {
      pair.fromClientPaused = false;
      if (!pair.upstream.writableNeedDrain) pair.client.resume();
    }
  }

  async close(): Promise<void> {
    this.drop();
    for (const socket of this.halfOpen) socket.destroy();
    this.halfOpen.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(client: Socket): void {
    client.on('error', () => {});
    if (this.refusing) {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = netConnect(this.target.port, this.target.host);
    upstream.on('error', () => {});
    const pair: Pair = { client, upstream, toClientPaused: this.pausedToClient, fromClientPaused: this.pausedFromClient };
    this.pairs.add(pair);
    if (pair.toClientPaused) upstream.pause();
    if (pair.fromClientPaused) client.pause();
    // Hand bytes on, with flow control: stop reading a side while the other side's buffer is full.
    client.on('data', (chunk) => {
      if (!upstream.write(chunk)) client.pause();
    });
    upstream.on('drain', () => {
      if (!pair.fromClientPaused) client.resume();
    });
    upstream.on('data', (chunk) => {
      if (!client.write(chunk)) upstream.pause();
    });
    client.on('drain', () => {
      if (!pair.toClientPaused) upstream.resume();
    });
    const end = () => this.destroy(pair);
    client.on('close', end);
    upstream.on('close', end);
  }

  private destroy(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    pair.client.destroy();
    pair.upstream.destroy();
  }
}

/** Messages counted by type (`pub`, `upd`, `sub`, …), per direction; each entry of a `pubs` or `upds` batch counts as a `pub` or an `upd`. */
export interface Traffic {
  readonly sent: Map<string, number>;
  readonly received: Map<string, number>;
  /** FQNs of the writes sent (`pub` and `pubs` entries) and of the states received (`upds` entries). */
  readonly pubs: string[];
  readonly upds: string[];
  bytesSent: number;
  bytesReceived: number;
  /** The longest frame sent (UTF-16 units). */
  largestFrameSent: number;
}

/** A transport factory for `connect` that opens `ws` connections to `url()` and counts every message. */
export function countingFactory(url: () => string): {
  factory: TransportFactory;
  traffic: Traffic;
  reset(): void;
  current(): Transport | undefined;
} {
  const traffic: Traffic = {
    sent: new Map(),
    received: new Map(),
    pubs: [],
    upds: [],
    bytesSent: 0,
    bytesReceived: 0,
    largestFrameSent: 0,
  };
  let current: Transport | undefined;
  const count = (map: Map<string, number>, frame: string, fqns: string[], type: string) => {
    const add = (t: string, fqn: string | undefined) => {
      map.set(t, (map.get(t) ?? 0) + 1);
      if (t === type) fqns.push(fqn!);
    };
    for (const message of JSON.parse(frame) as { t: string; fqn?: string; w?: [string][]; u?: [string][] }[]) {
      if (message.t === 'pubs' || message.t === 'upds') for (const [fqn] of message.w ?? message.u!) add(message.t.slice(0, 3), fqn);
      else add(message.t, message.fqn);
    }
  };
  const factory: TransportFactory = async () => {
    const inner = await connectWs(url(), { openTimeoutMs: 2000 });
    const wrapped: Transport = {
      get isOpen() {
        return inner.isOpen;
      },
      get bufferedAmount() {
        return inner.bufferedAmount;
      },
      send(frame) {
        traffic.bytesSent += frame.length;
        traffic.largestFrameSent = Math.max(traffic.largestFrameSent, frame.length);
        count(traffic.sent, frame, traffic.pubs, 'pub');
        inner.send(frame);
      },
      listen(handlers: TransportHandlers) {
        inner.listen({
          ...handlers,
          frame(data) {
            traffic.bytesReceived += data.length;
            count(traffic.received, data, traffic.upds, 'upd');
            handlers.frame(data);
          },
        });
      },
      close(code, reason) {
        inner.close(code, reason);
      },
    };
    current = wrapped;
    return wrapped;
  };
  return {
    factory,
    traffic,
    current: () => current,
    reset() {
      traffic.sent.clear();
      traffic.received.clear();
      traffic.pubs.length = 0;
      traffic.upds.length = 0;
      traffic.bytesSent = 0;
      traffic.bytesReceived = 0;
      traffic.largestFrameSent = 0;
    },
  };
}
