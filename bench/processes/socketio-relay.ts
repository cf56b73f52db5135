// Peer server: a Socket.IO relay (websocket transport only). Readers connect with `role=read` and
// join the room `read`; every `u` event from any other socket is emitted to that room.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { serve } from './ipc.js';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 16 * 1024 * 1024 });
let forwarded = 0;
io.on('connection', (socket) => {
  if (socket.handshake.query.role === 'read') {
    void socket.join('read');
    return;
  }
  socket.on('u', (message: unknown) => {
    io.to('read').emit('u', message);
    forwarded++;
  });
});
await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
const { port } = http.address() as AddressInfo;

serve({
  url: () => `http://127.0.0.1:${port}`,
  stats: () => ({ forwarded }),
});
