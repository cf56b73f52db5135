import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import type { Space } from '../core/space.js';
import { wsServerTransport } from '../transport/ws-node.js';
import { Hub, type HubOptions, type HubStats, type InstanceInfo } from './hub.js';
import { serveInspector } from './inspector/serve.js';

/** Options of {@link startHub}. */
export interface StartHubOptions extends HubOptions {
  /** TCP port (default 7070; 0 lets the OS pick). */
  readonly port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** Largest frame accepted, in bytes (default 16 MiB). */
  readonly maxFrameBytes?: number;
}

/** A running hub. */
export interface HubHandle {
  /** The WebSocket URL clients connect to, e.g. `ws://127.0.0.1:7070`. */
  readonly url: string;
  /** The HTTP address of the same port (health, stats). */
  readonly httpUrl: string;
  readonly port: number;
  /** The hub's space: every var any client shared, mirrored; writes here reach followers. */
  readonly space: Space;
  /** The routing engine (to `accept` other transports, e.g. a `MessagePort`). */
  readonly hub: Hub;
  /** The connected instances, now and on every change. */
  readonly instances$: Observable<InstanceInfo[]>;
  /** Counters. */
  stats(): HubStats;
  /** Closes every connection and the server. */
  close(): Promise<void>;
}

/**
 * Starts a hub: a WebSocket server (with `GET /health` and `GET /stats` on the same port) in
 * front of a {@link Hub}.
 *
 * @throws rejects when the port cannot be bound (e.g. `EADDRINUSE`).
 * @example
 * const hub = await startHub({ port: 0, host: '127.0.0.1' });
 * const link = await connect(hub.url, { space });
 */
export async function startHub(options: StartHubOptions = {}): Promise<HubHandle> {
  const hub = new Hub(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => serveHttp(hub, request, response));
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxFrameBytes ?? 16 * 1024 * 1024 });
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(request, socket, head, (ws) => {
      hub.accept(wsServerTransport(ws), { remoteAddress: request.socket.remoteAddress });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7070, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const shown = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `ws://${shown}:${port}`,
    httpUrl: `http://${shown}:${port}`,
    port,
    space: hub.space,
    hub,
    instances$: hub.instances$,
    stats: () => hub.stats(),
    close: () =>
      (closing ??= (async () => {
        await hub.close();
        for (const client of wss.clients) client.terminate();
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      })()),
  };
}

function serveHttp(hub: Hub, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && path === '/health') return json(response, 200, { ok: true, hub: hub.id });
  if (request.method === 'GET' && serveInspector(path, response)) return;
  if (request.method === 'GET' && path === '/stats') return json(response, 200, hub.stats());
  json(response, 404, { error: 'not found' });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
