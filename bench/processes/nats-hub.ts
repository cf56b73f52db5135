// varspace hub on the NATS store (bench/cluster.ts): `start` opens `natsStore` on the session's
// nats-server and starts a hub on it, with the cluster's shared `secret`. The NATS entry is loaded
// from dist/ at run time: bench/cluster.ts runs this only when dist/nats/index.js exists. The
// per-connection rate limit is raised, as in bench/processes/hub.ts.
import { startHub, type HubHandle, type Store } from '../../dist/index.js';
import { serve } from './ipc.js';

/** What bench/cluster.ts needs of `varspace/nats`. */
type NatsStore = (options: { servers: string; bucket?: string }) => Promise<Store>;

let hub: HubHandle | undefined;

serve({
  async start(params) {
    const entry = '../../dist/nats/index.js';
    const { natsStore } = (await import(entry)) as { natsStore: NatsStore };
    const store = await natsStore({ servers: params.servers, bucket: params.bucket });
    hub = await startHub({ port: 0, host: '127.0.0.1', store, secret: params.secret, limits: { messagesPerSecond: 1_000_000_000 } });
    return hub.url;
  },
  async close() {
    await hub?.close();
    return null;
  },
});
