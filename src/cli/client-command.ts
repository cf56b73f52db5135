import { Space } from '../core/space.js';
import { connect } from '../sync/connect-node.js';
import type { Link } from '../sync/link.js';

/**
 * Runs `body` with a link to the hub at `url` (no reconnect: a command fails fast), then closes it.
 * @throws whatever `connect` or `body` throws.
 */
export async function withLink<R>(url: string, body: (link: Link, space: Space) => Promise<R>): Promise<R> {
  const space = new Space();
  const link = await connect(url, { space, reconnect: false, attributes: { processType: 'node', appName: 'varspace-cli' } });
  try {
    return await body(link, space);
  } finally {
    await link.close();
  }
}
