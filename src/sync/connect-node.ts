import { connectWs } from '../transport/ws-node.js';
import { connectWith, type ConnectOptions, type ConnectTarget } from './connect.js';
import type { Link } from './link.js';

/**
 * Connects to a hub (Node): like the browser's `connect`, with the `ws` package opening URLs.
 *
 * @throws rejects with {@link ClosedError} when the hub cannot be reached, {@link VersionError},
 *   {@link UnauthenticatedError} or {@link TimeoutError} (no welcome).
 * @example
 * const link = await connect('ws://127.0.0.1:7070', { space, attributes: { appName: 'worker' } });
 * link.share('jobs.>');
 */
export function connect(target: ConnectTarget, options: ConnectOptions = {}): Promise<Link> {
  return connectWith(target, options, (url) => connectWs(url, options.WebSocket ? { WebSocket: options.WebSocket as never } : {}));
}
