// A service process for bench/services.ts: answers every request with its payload. `connect`
// takes `{ mode: 'varspace' | 'socketio', url }`: a varspace link serving `bench.rpc/echo`, or a
// Socket.IO client (role `serve`) answering `rq` events through their ack callback.
import { io, type Socket } from 'socket.io-client';
import { Space, connect, type Link } from '../../dist/index.js';
import { serve } from './ipc.js';

let link: Link | undefined;
let socket: Socket | undefined;

serve({
  connect: async ({ mode, url }) => {
    if (mode === 'varspace') {
      link = await connect(url, { space: new Space(), reconnect: false });
      await link.serve('bench.rpc/echo', ({ value }) => value).ready;
      return null;
    }
    socket = io(url, { transports: ['websocket'], query: { role: 'serve' } });
    socket.on('rq', (payload: unknown, ack: (reply: unknown) => void) => ack(payload));
    await new Promise<void>((resolve) => socket!.once('connect', () => resolve()));
    return null;
  },
  close: async () => {
    await link?.close();
    socket?.close();
    return null;
  },
});
