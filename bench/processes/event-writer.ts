// Event publisher process for bench/events.ts: `link.publish` through a hub, or the same bytes as
// one `ws` message per event to a raw relay, or one Socket.IO `emit` per event to its relay.
import { io, type Socket } from 'socket.io-client';
import type { WebSocket } from 'ws';
import { Space, connect, type Link } from '../../dist/index.js';
import { hrMs, serve, yieldLoop } from './ipc.js';
import { openSocket } from './open-socket.js';

/** One event's payload: its number, its send time (latency runs) and padding to ~100 bytes of JSON. */
export interface EventValue {
  i: number;
  t: number;
  pad: string;
}
export const CHANNEL = 'bench.events/tick';
const PAD = 'x'.repeat(48);

let publish: (value: EventValue) => void = () => undefined;
let link: Link | undefined;
let ws: WebSocket | undefined;
let socket: Socket | undefined;

serve({
  async connect(params) {
    if (params.mode === 'varspace') {
      link = await connect(params.url, { space: new Space(), reconnect: false });
      publish = (value) => void link!.publish(CHANNEL, value);
    } else if (params.mode === 'raw') {
      ws = await openSocket(params.url);
      // The same entry a link batches ([channel, value]), one message each: what a hand-rolled relay would carry.
      publish = (value) => ws!.send(JSON.stringify([CHANNEL, value]));
    } else {
      socket = io(params.url, { transports: ['websocket'], query: { role: 'write' }, reconnection: false });
      await new Promise((resolve) => socket!.once('connect', () => resolve(null)));
      publish = (value) => void socket!.emit('u', [CHANNEL, value]);
    }
    return null;
  },

  /** `total` events as fast as the publisher goes, yielding every `batch`; returns the start time. */
  async burst(params) {
    const { total, batch } = params as { total: number; batch: number };
    const start = hrMs();
    for (let i = 0; i < total; i++) {
      publish({ i, t: 0, pad: PAD });
      if (i % batch === batch - 1) await yieldLoop();
    }
    if (link) await link.ping();
    return start;
  },

  /** `total` events at `rate` per second, each carrying its send time (the schedule of bench/processes/writer.ts). */
  async paced(params) {
    const { total, rate } = params as { total: number; rate: number };
    const t0 = hrMs();
    let i = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((hrMs() - t0) * rate) / 1000) + 1);
        for (; i < due; i++) publish({ i, t: hrMs(), pad: PAD });
        if (i >= total) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    return null;
  },

  async close() {
    await link?.close();
    ws?.close();
    socket?.close();
    return null;
  },
});
