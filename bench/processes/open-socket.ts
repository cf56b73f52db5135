// A `ws` client socket, once it is open (the bench processes' raw and hand-written clients).
import { WebSocket } from 'ws';

/** Opens a `ws` socket to `url`; rejects on the socket's first error. */
export function openSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}
