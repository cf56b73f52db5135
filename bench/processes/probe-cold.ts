// Profiling helper (not a suite): the time each side spends on one lone update with its caches
// gone cold, as at 1,000 updates/s on shared cores — a hub, a writer link and a reader link in one
// process over memory pairs, with `JUNK_KB` of memory (default 4096: more than a core's L2)
// walked between steps. Compare two builds by running it on each, several times, interleaved.
// `node --import tsx bench/processes/probe-cold.ts [rounds] [warm]`
import { Hub, Space, connect, memoryPair, type Transport, type TransportHandlers, type Var } from '../../dist/index.js';

interface Tap {
  handlers?: TransportHandlers;
  onSend?: (frame: string) => void;
}

/** A transport that lets the probe call its handlers and see what it sends. */
function tap(transport: Transport): [Transport, Tap] {
  const t: Tap = {};
  const wrapped: Transport = {
    get isOpen() {
      return transport.isOpen;
    },
    get bufferedAmount() {
      return transport.bufferedAmount;
    },
    send(frame) {
      t.onSend?.(frame);
      transport.send(frame);
    },
    listen(handlers) {
      t.handlers = handlers;
      transport.listen(handlers);
    },
    close(code, reason) {
      transport.close(code, reason);
    },
  };
  return [wrapped, t];
}

const hub = new Hub({ heartbeat: false });
async function client() {
  const [clientEnd, serverEnd] = memoryPair();
  const [serverSide, server] = tap(serverEnd);
  hub.accept(serverSide);
  const [clientSide, clientTap] = tap(clientEnd);
  const space = new Space();
  const link = await connect(clientSide, { space, reconnect: false, heartbeat: false });
  return { space, link, server, client: clientTap };
}

const [rounds = '1500', warm] = process.argv.slice(2);
const writer = await client();
const reader = await client();
const VARS = 1000;
const PAD = 'x'.repeat(48);
interface BenchValue {
  r: number;
  i: number;
  s: number;
  t: number;
  p: string;
}
const vars: Var<BenchValue>[] = [];
for (let i = 0; i < VARS; i++) vars.push(writer.space.intern<BenchValue>(`bench.v/v${i}`, { r: -1, i, s: -1, t: 0, p: PAD }));
await reader.link.follow('bench.>').synced;
await writer.link.share('bench.>').synced;
let delivered: bigint | undefined;
reader.space.vars$('bench.>').subscribe((target) => target.subscribe(() => (delivered = process.hrtime.bigint())));

const junk = new Float64Array(Number(process.env.JUNK_KB ?? 4096) * 128);
let sink = 0;
function thrash(): void {
  if (warm) return;
  for (let i = 0; i < junk.length; i += 8) sink += junk[i]++;
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const p50 = (a: number[]) => (a.sort((x, y) => x - y)[a.length >> 1] / 1000).toFixed(1);

// Newer stamps for frames replayed to the hub and the reader (so that they are taken, not ignored).
let bump = 0;
const restamp = (frame: string) =>
  frame.replace(/"([0-9a-f]{12})[0-9a-f]{4}"/, (_m, wall: string) => `"${wall}${(0x8000 + (bump++ % 0x8000)).toString(16)}"`);

const times = { writer: [] as number[], hub: [] as number[], reader: [] as number[] };
for (let k = 0; k < Number(rounds); k++) {
  const value = { r: 1, i: k % VARS, s: k, t: 1, p: PAD };
  // writer: reset → its frame leaves the link
  let sentAt = 0n;
  let frame = '';
  writer.client.onSend = (f) => {
    sentAt = process.hrtime.bigint();
    frame = f;
  };
  thrash();
  const t0 = process.hrtime.bigint();
  vars[k % VARS].reset(value);
  await null;
  writer.client.onSend = undefined;
  if (sentAt) times.writer.push(Number(sentAt - t0));
  await tick();
  // hub: that frame arrives → the reader's frame leaves the hub
  let outAt = 0n;
  let out = '';
  reader.server.onSend = (f) => {
    outAt = process.hrtime.bigint();
    out = f;
  };
  const replay = restamp(frame);
  thrash();
  const t1 = process.hrtime.bigint();
  writer.server.handlers!.frame(replay);
  await null;
  reader.server.onSend = undefined;
  if (outAt) times.hub.push(Number(outAt - t1));
  await tick();
  // reader: that frame arrives → the subscriber has the value
  if (!out) continue;
  const replayOut = restamp(out).replace(/,(\d+),\{"r"/, (_m, rev: string) => `,${Number(rev) + 1_000_000},{"r"`);
  delivered = undefined;
  thrash();
  const t2 = process.hrtime.bigint();
  reader.client.handlers!.frame(replayOut);
  if (delivered) times.reader.push(Number(delivered - t2));
  await tick();
}
console.log(
  `${warm ? 'warm' : 'cold'} p50 µs: writer ${p50(times.writer)} (${times.writer.length}), hub ${p50(times.hub)} (${times.hub.length}), reader ${p50(times.reader)} (${times.reader.length})`,
);
if (sink < 0) console.log(sink); // keeps the walk from being optimized away
await writer.link.close();
await reader.link.close();
await hub.close();
