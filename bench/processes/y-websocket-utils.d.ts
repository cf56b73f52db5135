// y-websocket v2 ships types for its server utilities (dist/bin/utils.d.cts) but its package
// exports do not point `y-websocket/bin/utils` at them: the one function the bench uses.
declare module 'y-websocket/bin/utils' {
  import type { IncomingMessage } from 'node:http';
  import type { WebSocket } from 'ws';

  export function setupWSConnection(conn: WebSocket, req: IncomingMessage, options?: { docName?: string; gc?: boolean }): void;
}
