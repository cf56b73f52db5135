import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import type { Space } from '../core/space.js';
import { wsServerTransport } from '../transport/ws-node.js';
import { checkAccessRules, type Principal } from './access.js';
import { Hub, type HubOptions, type HubStats, type InstanceInfo } from './hub.js';
import { serveInspector } from './inspector/serve.js';
import { resolveLimits } from './limits.js';
import { prometheusText } from './metrics.js';
import { SUBPROTOCOL, authRequestOf, originAllowed, type Authenticate } from './upgrade-guard.js';

/** Options of {@link startHub}. */
export interface StartHubOptions extends HubOptions {
  /** TCP port (default 7070; 0 lets the OS pick). */
  readonly port?: number;
  /** Interface to listen on (default `127.0.0.1`). */
  readonly host?: string;
  /** Decides who may connect (HTTP 401 before the upgrade when it refuses). Default: everyone, anonymous. */
  readonly authenticate?: Authenticate;
  /** Browser origins allowed to connect; default: only the hub's own host. Non-browser clients (no `Origin`) pass. */
  readonly allowedOrigins?: readonly string[];
  /**
   * Length of the TCP listen queue: connections the kernel holds for the hub before it accepts
   * them (default 4096). A burst of clients larger than the queue has some of its handshakes
   * dropped and retried by the client's TCP, seconds later. The kernel caps it
   * (`net.core.somaxconn` on Linux, often 4096; `kern.ipc.somaxconn` on macOS).
   */
  readonly backlog?: number;
}

/** Default of {@link StartHubOptions.backlog}. */
const DEFAULT_BACKLOG = 4096;

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
  if (options.authorize) checkAccessRules(options.authorize);
  const hub = new Hub(options);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => serveHttp(hub, request, response));
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: resolveLimits(options.limits).maxFrameBytes,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  server.on('upgrade', (request, socket, head) => {
    socket.on('error', destroySocket);
    void (async () => {
      const auth = authRequestOf(request);
      if (!originAllowed(auth.origin, request.headers.host, options.allowedOrigins)) {
        return refuseUpgrade(socket, 403, 'Forbidden', `origin ${auth.origin} is not allowed`, options, auth.remoteAddress);
      }
      let principal: Principal | undefined;
      if (options.authenticate) {
        try {
          principal = (await options.authenticate(auth)) || undefined;
        } catch {
          principal = undefined;
        }
        if (!principal) return refuseUpgrade(socket, 401, 'Unauthorized', 'authentication refused', options, auth.remoteAddress);
      }
      wss.handleUpgrade(request, socket, head, (ws) => {
        socket.off('error', destroySocket); // the WebSocket handles its socket's errors now
        // A binary frame is the hub's to refuse (VS_BAD_FRAME; before hello, close 4002), not a bare 1003.
        hub.accept(wsServerTransport(ws, { binary: 'deliver' }), { principal, remoteAddress: auth.remoteAddress });
      });
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 7070, host, options.backlog ?? DEFAULT_BACKLOG, () => {
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

/** A socket's error listener, shared: a closure here would keep the upgrade request alive as long as the connection. */
function destroySocket(this: import('node:stream').Duplex): void {
  this.destroy();
}

function serveHttp(hub: Hub, request: IncomingMessage, response: ServerResponse): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && path === '/health') return json(response, 200, { ok: true, hub: hub.id });
  if (request.method === 'GET' && serveInspector(path, response)) return;
  if (request.method === 'GET' && path === '/stats') return json(response, 200, hub.stats());
  if (request.method === 'GET' && path === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(prometheusText(hub.stats()));
    return;
  }
  json(response, 404, { error: 'not found' });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function refuseUpgrade(
  socket: import('node:stream').Duplex,
  status: number,
  text: string,
  why: string,
  options: StartHubOptions,
  remoteAddress: string | undefined,
): void {
  options.logger?.log('warn', 'refused', { status, why, remoteAddress });
  const body = JSON.stringify({ error: status === 401 ? 'VS_UNAUTHENTICATED' : 'VS_FORBIDDEN', message: why });
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
