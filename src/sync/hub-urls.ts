import { ClosedError } from '../core/errors.js';
import type { Transport, TransportFactory } from '../transport/transport.js';

/**
 * The transport factory of a link given several hub URLs (a cluster sharing one store and one
 * `secret`). Its first call tries the URLs in order and opens the first hub that can be reached;
 * every later call (a reconnect) opens the URL after the one used last, round robin, so a link
 * whose hub went away tries the next hub at once, and the link's backoff spaces the rounds.
 * Only an unreachable hub ({@link ClosedError}) passes the start on to the next URL: a refusal
 * (HTTP 401/403, a version) is the cluster's answer, and is final.
 *
 * @param urls - checked hub URLs, at least one.
 * @param openUrl - opens a transport to one URL (the runtime's WebSocket, with the link's token).
 * @throws its promise rejects with {@link ClosedError} naming every URL when none can be reached at
 *   the start, or with the first refusal; on a reconnect, with what opening that one URL threw.
 * @example
 * const factory = hubUrlsFactory(['ws://hub-a:7070', 'ws://hub-b:7070'], (url) => connectWs(url));
 */
export function hubUrlsFactory(urls: readonly string[], openUrl: (url: string) => Promise<Transport>): TransportFactory {
  let current = -1;
  return async () => {
    if (current >= 0) {
      current = (current + 1) % urls.length;
      return openUrl(urls[current]);
    }
    const failures: string[] = [];
    for (const [index, url] of urls.entries()) {
      try {
        const transport = await openUrl(url);
        current = index;
        return transport;
      } catch (error) {
        if (!(error instanceof ClosedError)) throw error;
        failures.push(error.message); // it names the URL
      }
    }
    throw new ClosedError(`no hub reachable: ${failures.join('; ')}`, { urls: [...urls] });
  };
}
