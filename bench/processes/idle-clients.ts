// The client side of `bench/soak-idle.ts`: opens `count` idle connections to a server as a burst
// (`burst` started at a time, one batch per turn of the event loop, without waiting for earlier
// ones), keeps them open, and counts those that failed to open or dropped afterwards.
import { WebSocket } from 'ws';
import { Space, connect, type Link } from '../../dist/index.js';
import { serve } from './ipc.js';

interface OpenParams {
  readonly url: string;
  /** `varspace`: links (`connect`); `raw`: plain `ws` sockets, which answer pings on their own. */
  readonly kind: 'varspace' | 'raw';
  readonly count: number;
  readonly burst: number;
  readonly heartbeat: { intervalMs: number; timeoutMs: number };
}

const links: Link[] = [];
const sockets: WebSocket[] = [];
let dropped = 0;
let closing = false;

function openLink(url: string, heartbeat: OpenParams['heartbeat']): Promise<void> {
  return connect(url, { space: new Space(), heartbeat, reconnect: false }).then((link) => {
    links.push(link);
    link.status$.subscribe((status) => {
      if (status === 'closed' && !closing) dropped++;
    });
  });
}

function openRaw(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      sockets.push(ws);
      ws.on('close', () => {
        if (!closing) dropped++;
      });
      resolve();
    });
    ws.once('error', reject);
  });
}

serve({
  /** Opens the connections; resolves when each has opened or failed. */
  async open(params) {
    const { url, kind, count, burst, heartbeat } = params as unknown as OpenParams;
    const started = performance.now();
    const errors = new Map<string, number>();
    let failed = 0;
    const attempts: Promise<void>[] = [];
    for (let i = 0; i < count; i += burst) {
      for (let j = i; j < Math.min(count, i + burst); j++) {
        const attempt = kind === 'varspace' ? openLink(url, heartbeat) : openRaw(url);
        attempts.push(
          attempt.catch((error: unknown) => {
            failed++;
            const message = String((error as Error)?.message ?? error).replace(/ws:\/\/[^ :]+:\d+/g, 'the server');
            errors.set(message, (errors.get(message) ?? 0) + 1);
          }),
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(attempts);
    return { opened: count - failed, failed, ms: performance.now() - started, errors: [...errors].map(([m, n]) => `${n}× ${m}`) };
  },
  /** Connections that closed after opening. */
  dropped: () => dropped,
  /** Closes everything (not counted as drops). */
  async close() {
    closing = true;
    await Promise.all(links.map((link) => link.close()));
    for (const ws of sockets) ws.terminate();
    return null;
  },
});
