import { ClosedError, ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import { connectWs } from '../transport/ws-node.js';
import { CONNECT_TIMEOUT_MS, connectWith, type ConnectOptions, type ConnectTarget } from './connect.js';
import type { Link } from './link.js';

/**
 * Connects to a hub (Node): like the browser's `connect`, with the `ws` package opening URLs.
 *
 * @throws rejects with {@link ValidationError} for a bad URL or options (before anything opens),
 *   {@link UnauthenticatedError} (HTTP 401), {@link ForbiddenError} (403, e.g. a
 *   refused origin), {@link ClosedError} when the hub cannot be reached (or not within
 *   `connectTimeoutMs`, default 30 s: a handshake the hub's TCP resets, as an overflowing listen
 *   queue does, is tried again until then), {@link VersionError} or
 *   {@link TimeoutError} (no welcome).
 * @example
 * const link = await connect('ws://127.0.0.1:7070', { space, attributes: { appName: 'worker' } });
 * link.share('jobs.>');
 */
export function connect(target: ConnectTarget, options: ConnectOptions = {}): Promise<Link> {
  const timeoutMs = options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const WebSocket = options.WebSocket ? { WebSocket: options.WebSocket as never } : {};
  return connectWith(target, options, async (url) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await connectWs(url, { openTimeoutMs: Math.max(1, deadline - Date.now()), ...WebSocket });
      } catch (error) {
        // A reset during the handshake is a hub whose listen queue overflowed under a burst of
        // connections (the kernel dropped the handshake it had half made): try again, within the
        // same connect timeout. Any other failure (refused, HTTP 401/403, timeout) is final.
        const retryInMs = 50 + Math.random() * 200;
        if (!isReset(error) || Date.now() + retryInMs >= deadline) throw refusalOf(error);
        await new Promise((resolve) => setTimeout(resolve, retryInMs));
      }
    }
  });
}

function isReset(error: unknown): boolean {
  return error instanceof ClosedError && /ECONNRESET/.test(error.message);
}

/** `ws` reports an HTTP refusal of the upgrade as "Unexpected server response: 401". */
function refusalOf(error: unknown): unknown {
  if (!(error instanceof ClosedError)) return error;
  const status = /Unexpected server response: (\d{3})/.exec(error.message)?.[1];
  if (status === '401') return new UnauthenticatedError('the hub refused the credentials (HTTP 401)', { ...error.details });
  if (status === '403') return new ForbiddenError('the hub refused the connection (HTTP 403)', { ...error.details });
  return error;
}
