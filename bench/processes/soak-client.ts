// Soak client: `links` varspace links in one process, link `l` of `total`. Each link shares
// `soak.l<l>.>` (`vars` vars) and follows its neighbour's, `soak.l<l+1 mod total>.>`, as an app
// that shows its peer's state would: every update is routed to exactly one reader. `run` writes
// `rounds` rounds — in each, one write to every var of every link of the process, then a turn of
// the event loop — and returns once every followed var holds its neighbour's last value.
import { Space, connect, type Link, type Var } from '../../dist/index.js';
import { hrMs, serve, sleep, yieldLoop } from './ipc.js';

interface SoakValue {
  /** round (−1: the initial value) */
  r: number;
  /** padding to ~100 bytes of JSON */
  p: string;
}

const PAD = 'x'.repeat(80);
const fqnOf = (l: number, k: number): string => `soak.l${l}/v${k}`;

interface SoakLink {
  link: Link;
  space: Space;
  own: Var<SoakValue>[];
  neighbour: number;
}

let links: SoakLink[] = [];
let vars = 0;

serve({
  async connect(params) {
    vars = params.vars;
    const total: number = params.total;
    for (let l = params.first; l < params.first + params.links; l++) {
      const space = new Space();
      const link = await connect(params.url, { space });
      const own: Var<SoakValue>[] = [];
      for (let k = 0; k < vars; k++) own.push(space.intern<SoakValue>(fqnOf(l, k), { r: -1, p: PAD }));
      await link.share(`soak.l${l}.>`).synced;
      const neighbour = (l + 1) % total;
      links.push({ link, space, own, neighbour });
    }
    return null;
  },

  /** Follows the neighbours (once every link has shared its vars). */
  async follow() {
    await Promise.all(links.map((each) => each.link.follow(`soak.l${each.neighbour}.>`).synced));
    return null;
  },

  async run(params) {
    const rounds: number = params.rounds;
    const t0 = hrMs();
    for (let r = 0; r < rounds; r++) {
      const value = { r, p: PAD };
      for (const each of links) for (let k = 0; k < vars; k++) each.own[k].reset(value);
      await yieldLoop();
    }
    const tSent = hrMs();
    const deadline = Date.now() + params.timeoutMs;
    const last = rounds - 1;
    const finished = (each: SoakLink) => {
      for (let k = 0; k < vars; k++)
        if ((each.space.resolve(fqnOf(each.neighbour, k))?.getValue() as SoakValue | undefined)?.r !== last) return false;
      return true;
    };
    while (!links.every(finished)) {
      if (Date.now() > deadline) throw new Error(`not every final value arrived within ${params.timeoutMs} ms`);
      await sleep(20);
    }
    return { t0, tSent, tDone: hrMs() };
  },

  /** Links that were dropped: reconnects, and links not open now. */
  dropped() {
    let dropped = 0;
    for (const each of links) dropped += each.link.stats().reconnects + (each.link.status$.value === 'open' ? 0 : 1);
    return dropped;
  },

  async close() {
    await Promise.all(links.map((each) => each.link.close()));
    links = [];
    return null;
  },
});
