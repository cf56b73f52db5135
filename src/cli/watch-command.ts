import { Space } from '../core/space.js';
import { connect } from '../sync/connect-node.js';
import type { Link } from '../sync/link.js';

/**
 * `varspace watch <pattern>`: one line per update, `time fqn from value-as-JSON` (like `nats sub`),
 * until `signal` aborts. Resolves with the link once following (for tests).
 */
export async function watchCommand(pattern: string, url: string, print: (line: string) => void, signal?: AbortSignal): Promise<Link> {
  const space = new Space();
  const link = await connect(url, { space, attributes: { processType: 'node', appName: 'varspace-watch' } });
  link.updates$.subscribe((update) => {
    print(`${new Date().toISOString()} ${update.fqn} ${update.from} ${JSON.stringify(update.value)}`);
  });
  link.follow(pattern);
  signal?.addEventListener('abort', () => void link.close(), { once: true });
  return link;
}
