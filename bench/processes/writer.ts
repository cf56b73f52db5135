// Writer process: makes updates to `bench.v/v<i>` — through a varspace link (`share`), as raw
// `ws` messages `{ fqn, value }` to a relay, as Socket.IO emits to its relay (the peer client of
// bench/processes/peers.ts, here so that Socket.IO runs the same `burst` and `paced` schedules), or
// (`hand`, for probe-mix) as `pubs` frames written by hand to a hub over a plain `ws` client: the
// hub's work without the link's, or (`kv`, for bench/cluster.ts) as plain NATS KV puts to the
// nats-server at `url`. Each value is ~100 bytes of JSON and carries its sequence number
// and send time (for latency).
import type { WebSocket } from 'ws';
import { Space, connect, type Link, type Var } from '../../dist/index.js';
import { hrMs, serve, yieldLoop } from './ipc.js';
import { openKv, putValue, type RawKv } from './kv-client.js';
import { openSocket } from './open-socket.js';
import { openWriter, type PeerWriter } from './peers.js';

export interface BenchValue {
  /** round (−1: the initial value) */
  r: number;
  /** var index */
  i: number;
  /** sequence number of the update */
  s: number;
  /** send time (hrMs) */
  t: number;
  /** padding to ~100 bytes */
  p: string;
}

const PAD = 'x'.repeat(48);
export const fqnOf = (i: number): string => `bench.v/v${i}`;

let mode: 'raw' | 'varspace' | 'socketio' | 'hand' | 'kv' = 'raw';
/** `hand` mode's stamps: wall ms, then a counter within the ms (a bench writes far fewer than 65,536 a ms). */
let handWall = 0;
let handCounter = 0;
function handStamp(): string {
  const wall = Date.now();
  if (wall > handWall) {
    handWall = wall;
    handCounter = 0;
  } else {
    handCounter++;
  }
  return handWall.toString(16).padStart(12, '0') + handCounter.toString(16).padStart(4, '0');
}
let n = 0;
let ws: WebSocket | undefined;
let link: Link | undefined;
let peer: PeerWriter | undefined;
let raw: RawKv | undefined;
let vars: Var<BenchValue>[] = [];

function write(i: number, value: BenchValue): void {
  if (mode === 'raw') ws!.send(JSON.stringify({ fqn: fqnOf(i), value }));
  else if (mode === 'socketio') peer!.write(i, value);
  else if (mode === 'kv') putValue(raw!, fqnOf(i), value);
  else if (mode === 'hand') ws!.send(`[{"t":"pubs","w":[["${fqnOf(i)}","${handStamp()}",${JSON.stringify(value)}]]}]`);
  else vars[i].reset(value);
}

serve({
  async connect(params) {
    mode = params.mode;
    n = params.vars;
    if (mode === 'socketio') {
      peer = await openWriter('socketio', params.url, n);
      return null;
    }
    if (mode === 'kv') {
      raw = await openKv(params.url);
      return null;
    }
    if (mode === 'raw' || mode === 'hand') {
      ws = await openSocket(mode === 'raw' ? `${params.url}/write` : params.url);
      if (mode === 'hand') {
        const welcomed = new Promise((resolve) => ws!.once('message', resolve));
        ws.send('[{"t":"hello","versions":[1]}]');
        await welcomed;
        ws.on('message', () => undefined);
        for (let i = 0; i < n; i++) write(i, { r: -1, i, s: -1, t: 0, p: PAD });
      }
      return null;
    }
    const space = new Space();
    link = await connect(params.url, { space, reconnect: false });
    vars = [];
    for (let i = 0; i < n; i++) vars.push(space.intern<BenchValue>(fqnOf(i), { r: -1, i, s: -1, t: 0, p: PAD }));
    // `sync` (share and follow) for writers that race: a write that loses comes back corrected.
    await (params.sync ? link.sync('bench.>') : link.share('bench.>')).synced;
    return null;
  },

  /** `rounds` rounds; in each, one write to every var, then a turn of the event loop. */
  async burst(params) {
    const rounds: number = params.rounds;
    const t0 = hrMs();
    let s = 0;
    for (let r = 0; r < rounds; r++) {
      const t = hrMs();
      for (let i = 0; i < n; i++) write(i, { r, i, s: s++, t, p: PAD });
      await yieldLoop();
    }
    return { t0, t1: hrMs(), sent: s };
  },

  /** `total` updates at `rate` per second, cycling through the vars, each stamped with its send time. */
  async paced(params) {
    const rate: number = params.rate;
    const total: number = params.total;
    let s = 0;
    const t0 = hrMs();
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((hrMs() - t0) * rate) / 1000) + 1);
        while (s < due) {
          const i = s % n;
          write(i, { r: Math.floor(s / n), i, s, t: hrMs(), p: PAD });
          s++;
        }
        if (s >= total) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    return { t0, t1: hrMs(), sent: s };
  },

  /**
   * Writes var 0 once per turn of the event loop, `rounds` times (the last one with `link.set`,
   * which resolves when the hub has answered it, and so every write before it).
   */
  async race(params) {
    const rounds: number = params.rounds;
    const t0 = hrMs();
    for (let r = 0; r < rounds - 1; r++) {
      vars[0].reset({ r, i: 0, s: r, t: hrMs(), p: PAD });
      await yieldLoop();
    }
    await link!.set(fqnOf(0), { r: rounds - 1, i: 0, s: rounds - 1, t: hrMs(), p: PAD });
    return { t0, t1: hrMs(), sent: rounds };
  },

  /** The local value of var `i` (to check convergence). */
  value: (params) => vars[params.i ?? 0].getValue(),

  stats: () => (link ? link.stats() : null),

  async close() {
    ws?.close();
    await peer?.close();
    await raw?.close();
    await link?.close();
    return null;
  },
});
