import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Observable } from 'rxjs';
import { WebSocketServer } from 'ws';
import type { Space } from '../core/space.js';
import { wsServerTransport } from '../transport/ws-node.js';
import type { Principal } from './access.js';
import { PortInUseError } from '../core/errors.js';
import { hostGuard } from './host-guard.js';
import type { InstanceInfo } from '../identity/instance-info.js';
import { Hub, type HubOptions, type HubStats } from './hub.js';
import { serveInspector } from './inspector/serve.js';
import { resolveLimits } from './limits.js';
import { prometheusText } from './metrics.js';
import { checkStartHubOptions } from './start-hub-options.js';
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
  /**
   * Host names (no port: any port matches; `*`: any) that HTTP and WebSocket requests may carry in
   * `Host`, besides the loopback ones (`localhost`, `127.x.x.x`, `[::1]`), which always pass. Others
   * get HTTP 403 (DNS rebinding). Default: a hub bound to a loopback address accepts only loopback
   * hosts; a hub bound elsewhere accepts any host unless this lists them.
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Answers a GET request for a path the hub does not serve itself (pages served beside the hub,
   * such as `varspace demo`'s examples: `serveExamples`): returns true when it answers the request.
   */
  readonly serve?: (path: string, response: ServerResponse) => boolean;
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
 * front of a {@link Hub}. The options are checked first, and the port is bound before the hub
 * touches its space or store: a refused start leaves nothing behind.
 *
 * @throws rejects with {@link ValidationError} for bad options (unknown key, wrong type, a Promise
 *   where a value belongs), {@link PortInUseError} when the port is taken, or the listen error.
 * @example
 * const hub = await startHub({ port: 0, host: '127.0.0.1' });
 * const link = await connect(hub.url, { space });
 */
export async function startHub(options: StartHubOptions = {}): Promise<HubHandle> {
  await checkStartHubOptions(options);
  const maxPayload = resolveLimits(options.limits).maxFrameBytes;
  const host = options.host ?? '127.0.0.1';
  const server = createServer();
  await listen(server, options.port ?? 7070, host, options.backlog ?? DEFAULT_BACKLOG);
  let hub: Hub;
  try {
    hub = new Hub(options);
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  const hostAllowed = hostGuard((server.address() as AddressInfo).address, options.allowedHosts);
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (!hostAllowed(request.headers.host)) return refuseHost(request, response, options);
    serveHttp(hub, request, response, options.serve);
  });
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload,
    handleProtocols: (offered) => (offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', destroySocket);
    void (async () => {
      const auth = authRequestOf(request);
      if (!hostAllowed(request.headers.host)) {
        return refuseUpgrade(socket, 403, 'Forbidden', hostRefusal(request), options, auth.remoteAddress);
      }
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
function destroySocket(this: Duplex): void {
  this.destroy();
}

/** Binds the port; a taken one is the caller's to fix, so it gets its own error. */
function listen(server: Server, port: number, host: string, backlog: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PortInUseError(`port ${port} on ${host} is in use (another hub or program listens there)`, { host, port })
          : error,
      );
    };
    server.once('error', failed);
    server.listen(port, host, backlog, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function serveHttp(hub: Hub, request: IncomingMessage, response: ServerResponse, serve: StartHubOptions['serve']): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method === 'GET' && path === '/health') {
    // A shared store that lost its server: the hub refuses writes, so a load balancer should send clients elsewhere.
    const store = hub.store.health?.();
    if (store && !store.ok) return json(response, 503, { ok: false, hub: hub.id, store: store.reason });
    return json(response, 200, { ok: true, hub: hub.id });
  }
  if (request.method === 'GET' && serveInspector(path, response)) return;
  if (request.method === 'GET' && path === '/stats') return json(response, 200, hub.stats());
  if (request.method === 'GET' && path === '/metrics') {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(prometheusText(hub.stats()));
    return;
  }
  if (request.method === 'GET' && serve?.(path, response)) return;
  json(response, 404, { error: 'not found' });
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function hostRefusal(request: IncomingMessage): string {
  return `host ${request.headers.host} is not allowed (not a loopback name, nor in allowedHosts)`;
}

function refuseHost(request: IncomingMessage, response: ServerResponse, options: StartHubOptions): void {
  const why = hostRefusal(request);
  options.logger?.log('warn', 'refused', { status: 403, why, remoteAddress: request.socket.remoteAddress });
  json(response, 403, { error: 'VS_FORBIDDEN', message: why });
}

function refuseUpgrade(
  socket: Duplex,
  status: number,
  text: string,
  why: string,
  options: StartHubOptions,
  remoteAddress: string | undefined,
): void {
  options.logger?.log('warn', 'refused', { status, why, remoteAddress });
  const body = JSON.stringify({ error: status === 401 ? 'VS_UNAUTHENTICATED' : 'VS_FORBIDDEN', message: why });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
