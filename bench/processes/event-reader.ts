// Event subscriber process for bench/events.ts: `connections` subscribers of the bench channel —
// `link.events$` through a hub, raw `ws` readers of a relay, or Socket.IO clients of its relay.
// Each checks that events come in publish order; the last one to get every event stamps the end.
import { io, type Socket } from 'socket.io-client';
import type { WebSocket } from 'ws';
import { Space, connect, type Link } from '../../dist/index.js';
import { hrMs, serve } from './ipc.js';
import { openSocket } from './open-socket.js';
import type { EventValue } from './event-writer.js';

class Subscriber {
  next = 0;
  outOfOrder = 0;
  latencies: number[] = [];

  onEvent(value: EventValue): void {
    if (value.i !== this.next) this.outOfOrder++;
    this.next = value.i + 1;
    if (latency && value.i >= warmup) this.latencies.push(hrMs() - value.t);
    if (this.next === total && --pending === 0) {
      end = hrMs();
      onDone?.();
    }
  }
}

const subscribers: Subscriber[] = [];
const links: Link[] = [];
const sockets: WebSocket[] = [];
const ios: Socket[] = [];
let total = 0;
let warmup = 0;
let latency = false;
let pending = 0;
let end = 0;
let onDone: (() => void) | undefined;

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

serve({
  async connect(params) {
    for (let c = 0; c < params.connections; c++) {
      const subscriber = new Subscriber();
      subscribers.push(subscriber);
      if (params.mode === 'varspace') {
        const link = await connect(params.url, { space: new Space(), reconnect: false });
        links.push(link);
        link.events$<EventValue>('bench.>').subscribe((event) => subscriber.onEvent(event.value));
        await link.ping();
      } else if (params.mode === 'raw') {
        const ws = await openSocket(`${params.url}/read`);
        ws.on('message', (data) => subscriber.onEvent((JSON.parse(data.toString()) as [string, EventValue])[1]));
        sockets.push(ws);
      } else {
        const socket = io(params.url, { transports: ['websocket'], query: { role: 'read' }, reconnection: false });
        await new Promise((resolve) => socket.once('connect', () => resolve(null)));
        socket.on('u', (message: [string, EventValue]) => subscriber.onEvent(message[1]));
        ios.push(socket);
      }
    }
    return null;
  },

  arm(params) {
    ({ total, warmup = 0, latency = false } = params as { total: number; warmup?: number; latency?: boolean });
    for (const subscriber of subscribers) {
      subscriber.next = 0;
      subscriber.outOfOrder = 0;
      subscriber.latencies = [];
    }
    pending = subscribers.length;
    end = 0;
    return null;
  },

  async wait(params) {
    if (pending > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out: ${subscribers.map((s) => s.next).join(',')} of ${total}`)),
          params.timeoutMs,
        );
        onDone = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const all = subscribers.flatMap((s) => s.latencies).sort((a, b) => a - b);
    return {
      end,
      outOfOrder: subscribers.reduce((sum, s) => sum + s.outOfOrder, 0),
      received: subscribers.reduce((sum, s) => sum + s.next, 0),
      p50: latency ? percentile(all, 50) : NaN,
      p99: latency ? percentile(all, 99) : NaN,
    };
  },

  async close() {
    await Promise.all(links.map((link) => link.close()));
    for (const ws of sockets) ws.close();
    for (const socket of ios) socket.close();
    return null;
  },
});
