// Peer server for bench/services.ts: a Socket.IO relay for request/reply. The client with role
// `serve` answers; every `rq` event from another socket is emitted to it with an ack callback, and
// its reply goes back through the requester's ack (the layout of varspace's requester → hub → server).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { serve } from './ipc.js';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false });
let server: Socket | undefined;
io.on('connection', (socket) => {
  if (socket.handshake.query.role === 'serve') {
    server = socket;
    return;
  }
  socket.on('rq', (payload: unknown, ack: (reply: unknown) => void) => {
    server?.timeout(5000).emit('rq', payload, (error: Error | null, reply: unknown) => ack(error ? { error: error.message } : reply));
  });
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const { port } = http.address() as AddressInfo;

serve({ url: () => `http://127.0.0.1:${port}` });
