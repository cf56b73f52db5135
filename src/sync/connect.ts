import { defaultSpace } from '../core/default-space.js';
import type { Space } from '../core/space.js';
import type { Transport, TransportFactory } from '../transport/transport.js';
import { connectWebSocket } from '../transport/web-socket-transport.js';
import { checkConnect } from './connect-options.js';
import { hubUrlsFactory } from './hub-urls.js';
import { Link, type LinkOptions } from './link.js';

/**
 * A hub URL (`ws://…`), several hub URLs of one cluster (tried in order at start, then round robin
 * on reconnect), an open transport, or a function that opens one (used again on reconnect).
 */
export type ConnectTarget = string | readonly string[] | Transport | TransportFactory;

/** Options of {@link connect}. */
export interface ConnectOptions extends Partial<Omit<LinkOptions, 'space'>> {
  /** The local space (default: `defaultSpace()`). */
  readonly space?: Space;
  /** A token for the hub's `authenticate` hook (sent as `?token=` on the URL). */
  readonly token?: string;
  /** The WebSocket constructor (default: `globalThis.WebSocket`; the Node entry passes `ws`'s). */
  readonly WebSocket?: unknown;
  /**
   * How long opening the WebSocket to a hub URL may take, first connect and every reconnect alike
   * (ms, default 30,000). Generous on purpose: a hub taking a burst of connections accepts them
   * late, and a client whose handshake waits in the listen queue must not give up while it is
   * still being served. The `welcome` after it has `welcomeTimeoutMs`.
   */
  readonly connectTimeoutMs?: number;
}

/** Default of {@link ConnectOptions.connectTimeoutMs}. @internal */
export const CONNECT_TIMEOUT_MS = 30_000;

/**
 * Connects to a hub and resolves with a {@link Link} once the hub has welcomed it (and
 * assigned its instance id). Given several URLs (hubs of one cluster, sharing their store and
 * `secret`), it opens the first one it can reach, in order; on reconnect it takes the next one,
 * round robin, with backoff, and keeps its instance id from hub to hub.
 * With `persist`, the persisted state is in the space first (see
 * {@link Link.hydrated}); with `offline: true` too, a hub that cannot be reached does not reject:
 * the link resolves `reconnecting` and works from that state.
 *
 * @throws rejects with {@link ValidationError} for a bad URL, an empty URL list, or bad options (before anything opens),
 *   {@link ClosedError} when no hub can be reached (or not within `connectTimeoutMs`, per URL), {@link VersionError},
 *   {@link UnauthenticatedError} or {@link TimeoutError} (no welcome).
 * @example
 * const link = await connect('ws://127.0.0.1:7070', { space, attributes: { appName: 'dash' } });
 * const clustered = await connect(['wss://hub-a.example', 'wss://hub-b.example'], { space });
 * const offlineFirst = await connect('/hub', { space, persist: indexedDbPersister('todo'), offline: true });
 */
export function connect(target: ConnectTarget, options: ConnectOptions = {}): Promise<Link> {
  return connectWith(target, options, (url) =>
    connectWebSocket(url, { WebSocket: options.WebSocket as never, openTimeoutMs: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS }),
  );
}

/** `connect`, with the function that opens a WebSocket transport for a URL. @internal */
export async function connectWith(
  target: ConnectTarget,
  options: ConnectOptions,
  openUrl: (url: string) => Promise<Transport>,
): Promise<Link> {
  checkConnect(target, options);
  const space = options.space ?? defaultSpace();
  let factory: TransportFactory;
  let canReconnect = true;
  const { token } = options;
  const open = token === undefined ? openUrl : (url: string) => openUrl(withToken(url, token));
  if (typeof target === 'string') {
    factory = () => open(target);
  } else if (isUrlList(target)) {
    factory = hubUrlsFactory([...target], open); // a copy: the caller's array may change later
  } else if (typeof target === 'function') {
    factory = target;
  } else {
    let used = false;
    canReconnect = false;
    factory = () => {
      if (used) return Promise.reject(new Error('a transport can be used once'));
      used = true;
      return Promise.resolve(target);
    };
  }
  const link = new Link(factory, { ...options, space }, canReconnect);
  await link.hydrated;
  try {
    await link.open();
  } catch (error) {
    // The persister is the link's: let it go (a directory's lock, a database's connection); an
    // `offline` link refused by the hub (not unreachable) may have a reconnect scheduled: stop it.
    if (options.persist || options.offline) await link.close();
    throw error;
  }
  return link;
}

function isUrlList(target: ConnectTarget): target is readonly string[] {
  return Array.isArray(target);
}

function withToken(url: string, token: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('token', token);
  return parsed.toString();
}
