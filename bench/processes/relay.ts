// Baseline server: a raw `ws` relay. Readers connect to `/read`; every message from any other
// connection is forwarded, as it is (no parsing), to every reader.
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serve } from './ipc.js';

const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 16 * 1024 * 1024 });
const readers = new Set<WebSocket>();
let forwarded = 0;
wss.on('connection', (ws, request) => {
  if (request.url === '/read') {
    readers.add(ws);
    ws.on('close', () => readers.delete(ws));
    return;
  }
  ws.on('message', (data, isBinary) => {
    for (const reader of readers) reader.send(data, { binary: isBinary });
    forwarded += readers.size;
  });
});
await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
const { port } = wss.address() as AddressInfo;

serve({
  url: () => `ws://127.0.0.1:${port}`,
  stats: () => ({ forwarded, readers: readers.size }),
});
