// Writer process of a peer (bench/processes/peers.ts): the same `connect` / `burst` commands and
// the same schedule as bench/processes/writer.ts — in each round one write to every var, then a
// turn of the event loop — through the peer's own client.
import { hrMs, serve, yieldLoop } from './ipc.js';
import { openWriter, PAD, type Peer, type PeerWriter } from './peers.js';

let n = 0;
let writer: PeerWriter | undefined;

serve({
  async connect(params) {
    n = params.vars;
    writer = await openWriter(params.peer as Peer, params.url, n);
    return null;
  },

  /** `rounds` rounds; in each, one write to every var, then a turn of the event loop. */
  async burst(params) {
    const rounds: number = params.rounds;
    const w = writer!;
    const t0 = hrMs();
    let s = 0;
    for (let r = 0; r < rounds; r++) {
      const t = hrMs();
      w.round(() => {
        for (let i = 0; i < n; i++) w.write(i, { r, i, s: s++, t, p: PAD });
      });
      await yieldLoop();
    }
    return { t0, t1: hrMs(), sent: s };
  },

  async close() {
    await writer?.close();
    return null;
  },
});
