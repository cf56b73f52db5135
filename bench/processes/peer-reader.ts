// Reader process of a peer (bench/processes/peers.ts): one follower, counted as in
// bench/processes/reader.ts (the same `arm` / `wait` commands): every update it is given, and the
// time at which every var holds its final value.
import { hrMs, serve } from './ipc.js';
import { openReader, type Peer, type PeerReader } from './peers.js';
import type { BenchValue } from './writer.js';

let vars = 0;
let total = 0;
let received = 0;
let finals = 0;
let done = new Uint8Array(0);
let finished: { tDone: number } | undefined;
let onFinished: (() => void) | undefined;
let reader: PeerReader | undefined;

function onValue(value: BenchValue): void {
  if (value.r < 0) return;
  received++;
  const i = value.i;
  // the last sequence number that targets var i
  const last = total - 1 - ((total - 1 - i) % vars);
  if (value.s >= last && done[i] === 0) {
    done[i] = 1;
    if (++finals === Math.min(vars, total)) {
      finished = { tDone: hrMs() };
      onFinished?.();
    }
  }
}

serve({
  async connect(params) {
    reader = await openReader(params.peer as Peer, params.url, onValue);
    return null;
  },

  arm(params) {
    vars = params.vars;
    total = params.total;
    received = 0;
    finals = 0;
    done = new Uint8Array(vars);
    finished = undefined;
    return null;
  },

  async wait(params) {
    if (!finished) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`not every final value arrived within ${params.timeoutMs} ms (${finals} finals, ${received} updates)`)),
          params.timeoutMs,
        );
        onFinished = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return { tDone: finished!.tDone, received };
  },

  async close() {
    await reader?.close();
    return null;
  },
});
