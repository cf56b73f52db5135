// Benchmarks of links through a hub (issue 4), in three separate processes on 127.0.0.1:
// writer → server → reader(s). The baseline is a raw `ws` relay of the same updates in the same
// run and the same layout. `BENCH_PROF=<dir>` writes a CPU profile of every child process there.
//
// Workload: 1,000 vars × 50 rounds. In each round the writer writes every var once (a new value),
// then yields to the event loop, so every write is a distinct update: state semantics coalesce
// repeated writes to the same var within one tick, so writing one var 50,000 times in a loop
// would deliver a handful of updates, not 50,000. The raw writer follows the same schedule, one
// `ws` message per update (`{ fqn, value }`, the same ~100-byte JSON value), which the relay
// forwards unparsed and the reader parses. The varspace reader is app code: it subscribes to each
// var it follows. "Delivered" counts what reached the reader: when the writer outruns the hub, a
// link's outbox coalesces (latest value per var, by design) and fewer than 50,000 arrive; the
// rate is delivered updates over the time from the writer's first write to the reader holding
// every final value.
//
// The hub's per-connection rate limit (20,000 messages/s by default) is raised in its process.
// Each side runs in several sessions (fresh processes, interleaved raw/varspace), each opened by a
// burst that is not counted; the best run of each side is shown (the machine is shared: the best
// run is the one least disturbed), and every run is listed under the table.
//
// Peers (rows marked "peer:", whose figure stands in the varspace column, against the same raw
// relay of the same run, with no goal): the same workload, layout and measure through Socket.IO
// (a relay), Yjs (y-websocket's server) and TinyBase (its WsServer and WsSynchronizer), each
// driven as an app of that library would be (bench/processes/peers.ts). Yjs and TinyBase run
// twice: one transaction per update (each write on its own, as the varspace and raw writers do)
// and one transaction per round of 1,000 writes (`doc.transact` / `store.transaction`). A peer
// runs one session (a burst not counted, then PEER_BURSTS counted ones, the best shown).
import { readFileSync } from 'node:fs';
import { burst, type Burst, type Session } from './processes/burst.js';
import { Child } from './processes/ipc.js';
import { serverOf, type Peer } from './processes/peers.js';
import { printTable, type BenchRow } from './table.js';

const VARS = 1_000;
const ROUNDS = 50;
const BROADCAST_ROUNDS = 10;
const FOLLOWERS = 50;
const LATENCY_RATE = 1_000;
const LATENCY_TOTAL = 12_000;
// The first third warms up the low-rate path (one update per frame) in all three processes; the
// 8,000 samples after it make the p99 the 80th slowest of a run rather than the 30th.
const LATENCY_WARMUP = 4_000;
/** Sessions per side (raw, varspace) for the single-follower runs; the best run of each side is shown. */
const SESSIONS = 3;
/** Counted bursts in a peer's one session. */
const PEER_BURSTS = 3;

const versionOf = (pkg: string): string =>
  JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;

/** The peers, each with the name of its row. */
const PEERS: { peer: Peer; name: () => string }[] = [
  { peer: 'socketio', name: () => `Socket.IO ${versionOf('socket.io')} relay (websocket transport), one emit per update` },
  { peer: 'yjs', name: () => `Yjs ${versionOf('yjs')} + y-websocket ${versionOf('y-websocket')} server, Y.Map, one transaction per update` },
  { peer: 'yjs-round', name: () => `Yjs ${versionOf('yjs')} + y-websocket ${versionOf('y-websocket')} server, Y.Map, one transaction per round` },
  { peer: 'tinybase', name: () => `TinyBase ${versionOf('tinybase')} WsServer + WsSynchronizer, MergeableStore values, one transaction per update` },
  { peer: 'tinybase-round', name: () => `TinyBase ${versionOf('tinybase')} WsServer + WsSynchronizer, MergeableStore values, one transaction per round` },
];

type Mode = 'raw' | 'varspace';

const profileDir = process.env.BENCH_PROF || undefined;

/** Starts the three processes of a session and connects the writer, then the reader(s). */
async function startSession(scripts: { server: string; writer: string; reader: string }, writerParams: object, readerParams: object): Promise<Session> {
  const server = new Child(scripts.server, { profileDir });
  const reader = new Child(scripts.reader, { profileDir });
  const writer = new Child(scripts.writer, { profileDir });
  const url: string = await server.call('url');
  // The writer first, so that its vars exist on the hub before the reader follows them.
  await writer.call('connect', { ...writerParams, url, vars: VARS });
  await reader.call('connect', { ...readerParams, url });
  return { writer, reader, server };
}

function openSession(mode: Mode, connections: number): Promise<Session> {
  return startSession({ server: mode === 'raw' ? 'relay' : 'hub', writer: 'writer', reader: 'reader' }, { mode }, { mode, connections });
}

function openPeerSession(peer: Peer): Promise<Session> {
  return startSession({ server: serverOf(peer), writer: 'peer-writer', reader: 'peer-reader' }, { peer }, { peer });
}

async function closeSession(session: Session): Promise<void> {
  await session.writer.call('close').catch(() => undefined);
  await session.reader.call('close').catch(() => undefined);
  await Promise.all([session.writer.stop(), session.reader.stop(), session.server.stop()]);
}

/** The median CPU per delivered update of each process over the runs, as "writer / server / reader". */
function cpuLine(runs: Burst[]): string {
  const median = (k: number) => runs.map((r) => r.cpu[k]).sort((a, b) => a - b)[runs.length >> 1];
  const [w, s, r] = [0, 1, 2].map(median);
  return `${w.toFixed(2)} / ${s.toFixed(2)} / ${r.toFixed(2)} (sum ${(w + s + r).toFixed(2)})`;
}

interface Latency {
  p50: number;
  p99: number;
  max: number;
  samples: number;
}

async function latency(session: Session): Promise<Latency> {
  await session.reader.call('arm', { vars: VARS, total: LATENCY_TOTAL, warmup: LATENCY_WARMUP, latency: true });
  await session.writer.call('paced', { rate: LATENCY_RATE, total: LATENCY_TOTAL });
  const got = await session.reader.call('wait', { timeoutMs: 30_000 });
  return { p50: got.p50, p99: got.p99, max: got.max, samples: got.samples };
}

function best<T>(items: T[], score: (t: T) => number): T {
  return items.reduce((a, b) => (score(b) > score(a) ? b : a));
}

export async function run(): Promise<void> {
  const started = Date.now();
  const single: Record<Mode, Burst[]> = { raw: [], varspace: [] };
  const lat: Record<Mode, Latency[]> = { raw: [], varspace: [] };
  const fan: Record<Mode, Burst[]> = { raw: [], varspace: [] };

  // Interleaved sessions, so neither side gets the warmer machine; each session starts with a
  // burst that is not counted (the JIT warms up in all three processes).
  for (let round = 0; round < SESSIONS; round++) {
    for (const mode of ['raw', 'varspace'] as const) {
      const session = await openSession(mode, 1);
      try {
        await burst(session, VARS, ROUNDS);
        for (let rep = 0; rep < 3; rep++) single[mode].push(await burst(session, VARS, ROUNDS));
        lat[mode].push(await latency(session));
      } finally {
        await closeSession(session);
      }
    }
  }
  // The peers: one session each, after the raw and varspace sessions.
  const peerRuns = new Map<Peer, Burst[]>();
  const peerErrors = new Map<Peer, string>();
  for (const { peer } of PEERS) {
    let session: Session | undefined;
    try {
      session = await openPeerSession(peer);
      await burst(session, VARS, ROUNDS);
      const runs: Burst[] = [];
      for (let rep = 0; rep < PEER_BURSTS; rep++) runs.push(await burst(session, VARS, ROUNDS));
      peerRuns.set(peer, runs);
    } catch (error) {
      peerErrors.set(peer, String((error as Error)?.message ?? error).split('\n')[0]);
    } finally {
      if (session) await closeSession(session);
    }
  }
  for (let round = 0; round < 2; round++) {
    for (const mode of ['raw', 'varspace'] as const) {
      const session = await openSession(mode, FOLLOWERS);
      try {
        await burst(session, VARS, BROADCAST_ROUNDS);
        for (let rep = 0; rep < 2; rep++) fan[mode].push(await burst(session, VARS, BROADCAST_ROUNDS));
      } finally {
        await closeSession(session);
      }
    }
  }

  const tp = { raw: best(single.raw, (b) => b.rate), varspace: best(single.varspace, (b) => b.rate) };
  const lt = { raw: best(lat.raw, (l) => -l.p99), varspace: best(lat.varspace, (l) => -l.p99) };
  const bc = { raw: best(fan.raw, (b) => b.rate), varspace: best(fan.varspace, (b) => b.rate) };
  const rows: BenchRow[] = [
    {
      what: `updates/s delivered, writer → hub → reader (${VARS} vars × ${ROUNDS} rounds; ${tp.varspace.received} of ${VARS * ROUNDS} delivered)`,
      value: tp.varspace.rate, unit: 'upd/s', baselineName: 'raw ws relay', baseline: tp.raw.rate,
      goal: '≥ 0.8×', met: tp.varspace.rate >= 0.8 * tp.raw.rate,
    },
    {
      what: `latency p50 at ${LATENCY_RATE} upd/s (${lt.varspace.samples} samples)`,
      value: lt.varspace.p50, unit: 'ms', baselineName: 'raw ws relay', baseline: lt.raw.p50, higherIsBetter: false,
    },
    {
      what: `latency p99 at ${LATENCY_RATE} upd/s (max ${lt.varspace.max.toFixed(2)} ms vs ${lt.raw.max.toFixed(2)} ms)`,
      value: lt.varspace.p99, unit: 'ms', baselineName: 'raw ws relay', baseline: lt.raw.p99, higherIsBetter: false,
      goal: '≤ 1.5× (ratio ≥ 0.67)', met: lt.varspace.p99 <= 1.5 * lt.raw.p99,
    },
    {
      what: `1 writer → ${FOLLOWERS} followers, deliveries/s (${VARS} vars × ${BROADCAST_ROUNDS} rounds; ${bc.varspace.received} of ${VARS * BROADCAST_ROUNDS * FOLLOWERS} delivered)`,
      value: bc.varspace.rate, unit: 'del/s', baselineName: 'raw ws broadcast relay', baseline: bc.raw.rate,
      goal: '≥ 0.8×', met: bc.varspace.rate >= 0.8 * bc.raw.rate,
    },
  ];
  // The peers' rows go under the varspace throughput row they compare with.
  const peerRows: BenchRow[] = [];
  for (const { peer, name } of PEERS) {
    const runs = peerRuns.get(peer);
    if (!runs) continue;
    const b = best(runs, (r) => r.rate);
    peerRows.push({
      what: `peer: ${name()}: updates/s delivered, writer → server → reader (${VARS} vars × ${ROUNDS} rounds; ${b.received} of ${VARS * ROUNDS} delivered; 1 session, best of ${runs.length} bursts)`,
      value: b.rate, unit: 'upd/s', baselineName: 'raw ws relay', baseline: tp.raw.rate,
    });
  }
  rows.splice(1, 0, ...peerRows);
  printTable('wire: writer process → hub process → reader process(es), 127.0.0.1', rows);
  console.log('\n("peer:" rows show that peer\'s figure in the varspace column, against the raw ws relay of this run.)');
  const all = (m: Mode) => single[m].map((b) => Math.round(b.rate)).join(', ');
  console.log(`\nall single-follower runs (upd/s): raw ${all('raw')}; varspace ${all('varspace')}`);
  const allFan = (m: Mode) => fan[m].map((b) => Math.round(b.rate)).join(', ');
  console.log(`all ${FOLLOWERS}-follower runs (del/s): raw ${allFan('raw')}; varspace ${allFan('varspace')}`);
  console.log(`CPU µs per delivered update, writer / server / reader, median of runs: 1 follower: raw ${cpuLine(single.raw)}; varspace ${cpuLine(single.varspace)}`);
  console.log(`  ${FOLLOWERS} followers (reader = all ${FOLLOWERS} in one process): raw ${cpuLine(fan.raw)}; varspace ${cpuLine(fan.varspace)}`);
  for (const { peer } of PEERS) {
    const runs = peerRuns.get(peer);
    if (runs) console.log(`peer ${peer}: runs (upd/s) ${runs.map((b) => Math.round(b.rate)).join(', ')}; CPU µs per delivered update ${cpuLine(runs)}`);
    else console.log(`peer ${peer}: FAILED (${peerErrors.get(peer)})`);
  }
  console.log(`latency runs p50/p99 (ms): raw ${lat.raw.map((l) => `${l.p50.toFixed(3)}/${l.p99.toFixed(3)}`).join(', ')}; varspace ${lat.varspace.map((l) => `${l.p50.toFixed(3)}/${l.p99.toFixed(3)}`).join(', ')}`);
  console.log(`(wire bench took ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
