// varspace server: `startHub` in its own process. The per-connection rate limit (default 20,000
// messages/s, a policy knob) is raised: these benches measure how fast the hub can route.
import { startHub } from '../../dist/index.js';
import { serve } from './ipc.js';

const hub = await startHub({ port: 0, host: '127.0.0.1', limits: { messagesPerSecond: 1_000_000_000 } });

serve({
  url: () => hub.url,
  stats: () => hub.stats(),
  /** The store's revision (one per accepted write). */
  rev: () => hub.hub.store.rev,
  /** The hub's value of a var. */
  value: (params) => hub.space.resolve(params.fqn)?.getValue(),
});
