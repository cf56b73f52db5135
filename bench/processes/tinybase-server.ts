// Peer server: TinyBase's WsServer (`synchronizers/synchronizer-ws-server`) on a `ws` server, with
// no server-side persister: it relays the synchronizers' messages between the clients of a path.
import type { AddressInfo } from 'node:net';
import { createWsServer } from 'tinybase/synchronizers/synchronizer-ws-server';
import { WebSocketServer } from 'ws';
import { serve } from './ipc.js';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
const server = createWsServer(wss);
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
const { port } = wss.address() as AddressInfo;

serve({
  url: () => `ws://127.0.0.1:${port}`,
  stats: () => server.getStats(),
});
