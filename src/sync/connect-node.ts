import { ClosedError, ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import { connectWs } from '../transport/ws-node.js';
import { connectWith, type ConnectOptions, type ConnectTarget } from './connect.js';
import type { Link } from './link.js';

/**
 * Connects to a hub (Node): like the browser's `connect`, with the `ws` package opening URLs.
 *
 * @throws rejects with {@link ValidationError} for a bad URL or options (before anything opens),
 *   {@link UnauthenticatedError} (HTTP 401), {@link ForbiddenError} (403, e.g. a
 *   refused origin), {@link ClosedError} when the hub cannot be reached, {@link VersionError} or
 *   {@link TimeoutError} (no welcome).
 * @example
 * const link = await connect('ws://127.0.0.1:7070', { space, attributes: { appName: 'worker' } });
 * link.share('jobs.>');
 */
export function connect(target: ConnectTarget, options: ConnectOptions = {}): Promise<Link> {
  return connectWith(target, options, (url) =>
    connectWs(url, options.WebSocket ? { WebSocket: options.WebSocket as never } : {}).catch((error: unknown) => {
      throw refusalOf(error);
    }),
  );
}

/** `ws` reports an HTTP refusal of the upgrade as "Unexpected server response: 401". */
function refusalOf(error: unknown): unknown {
  if (!(error instanceof ClosedError)) return error;
  const status = /Unexpected server response: (\d{3})/.exec(error.message)?.[1];
  if (status === '401') return new UnauthenticatedError('the hub refused the credentials (HTTP 401)', { ...error.details });
  if (status === '403') return new ForbiddenError('the hub refused the connection (HTTP 403)', { ...error.details });
  return error;
}
