// Peer server: y-websocket's own server (v2: `setupWSConnection` from `y-websocket/bin/utils`, as
// its `bin/server.cjs` does) on a `ws` server. It holds the document (room `bench`) and broadcasts
// every update it applies to every client of the room.
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { setupWSConnection } from 'y-websocket/bin/utils';
import { serve } from './ipc.js';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
wss.on('connection', (ws, request) => setupWSConnection(ws, request));
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
const { port } = wss.address() as AddressInfo;

serve({
  url: () => `ws://127.0.0.1:${port}`,
});
