// Links of the convergence run of bench/cluster.ts: `links` links to one hub, each with its own
// space, each syncing `conv.>` and owning one var there (`conv/l<k>`). `arm` sets the round to
// wait for; `write` writes every owned var with that round; `wait` resolves once every link holds
// every var of the cluster at that round.
import { Space, connect, type Link, type Var } from '../../dist/index.js';
import { hrMs, serve } from './ipc.js';

interface Conv {
  round: number;
}

const links: Link[] = [];
const owned: Var<Conv>[] = [];
/** Per link, the vars that reached the armed round. */
let reached: number[] = [];
let round = -1;
let total = 0;
let pending = 0;
let done: { tDone: number } | undefined;
let onDone: (() => void) | undefined;

serve({
  async connect(params) {
    for (let k = 0; k < params.links; k++) {
      const index = links.length;
      const space = new Space();
      const link = await connect(params.url, { space, reconnect: false });
      links.push(link);
      owned.push(space.intern<Conv>(`conv/l${params.base + k}`, { round: -1 }));
      space.vars$('conv.>').subscribe((v) =>
        v.subscribe((value) => {
          if ((value as Conv | undefined)?.round !== round) return;
          if (++reached[index] === total && --pending === 0) {
            done = { tDone: hrMs() };
            onDone?.();
          }
        }),
      );
      await link.sync('conv.>').synced;
    }
    return null;
  },
  arm(params) {
    round = params.round;
    total = params.total;
    reached = links.map(() => 0);
    pending = links.length;
    done = undefined;
    return null;
  },
  write() {
    const t0 = hrMs();
    for (const v of owned) v.reset({ round });
    return t0;
  },
  async wait(params) {
    if (!done)
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`round ${round} not converged within ${params.timeoutMs} ms`)), params.timeoutMs);
        onDone = () => (clearTimeout(timer), resolve());
      });
    return done!.tDone;
  },
  async close() {
    for (const link of links) await link.close();
    return null;
  },
});
