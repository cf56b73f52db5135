// A real nats-server with JetStream for one bench session (bench/cluster.ts): started by this
// child (so that a session's processes all end with it), stopped at `exit` or when the parent goes.
import { startNatsServer } from '../../spec/support/nats-server.js';
import { serve } from './ipc.js';

const nats = await startNatsServer();
const stop = () => void nats.stop();
process.once('exit', stop);

serve({
  url: () => nats.url,
  async close() {
    await nats.stop();
    return null;
  },
});
