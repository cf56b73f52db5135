// Benchmarks of events on a channel (issue 16), in three processes on 127.0.0.1: publisher →
// server → subscriber(s). Sides: varspace (`link.publish` → hub → `link.events$`), the raw `ws`
// relay (bench/processes/relay.ts: the same entries `[channel, value]`, one message per event,
// forwarded unparsed) and Socket.IO (its relay, one `emit` per event). Interleaved sessions (fresh
// processes each), a burst not counted first (the JIT warms up), then counted runs; every figure
// is the MEDIAN over runs with the range beside it, every ratio median over median in this run.
//
// - throughput: 50,000 events of ~100 bytes, yielding every 1,000; events/s from the publisher's
//   first event to the subscriber holding the last; every one must arrive, in order.
// - latency: 6,000 events at 1,000/s, each carrying its send time; p99 over the last 4,000.
// - fan-out: 10,000 events to 50 subscribers (one process), varspace against raw broadcast.
import { Child } from './processes/ipc.js';
import { medians, printTable, type BenchRow } from './table.js';

type Mode = 'raw' | 'varspace' | 'socketio';
const SERVER: Record<Mode, string> = { raw: 'relay', varspace: 'hub', socketio: 'socketio-relay' };
const TOTAL = 50_000;
const BATCH = 1_000;
const FAN_TOTAL = 10_000;
const FAN_OUT = 50;
const RATE = 1_000;
const LATENCY_TOTAL = 6_000;
const LATENCY_WARMUP = 2_000;
const SESSIONS = Number(process.env.BENCH_EVENTS_SESSIONS) || 3;
const BURSTS = 2;

interface Session {
  server: Child;
  writer: Child;
  reader: Child;
}

async function open(mode: Mode, connections: number): Promise<Session> {
  const server = new Child(SERVER[mode]);
  const reader = new Child('event-reader');
  const writer = new Child('event-writer');
  const url: string = await server.call('url');
  await reader.call('connect', { mode, url, connections });
  await writer.call('connect', { mode, url });
  return { server, writer, reader };
}

async function close(session: Session): Promise<void> {
  await session.writer.call('close').catch(() => undefined);
  await session.reader.call('close').catch(() => undefined);
  await Promise.all([session.writer.stop(), session.reader.stop(), session.server.stop()]);
}

/** One burst: events per second (deliveries to one subscriber), after checking every one came in order. */
async function burst(session: Session, total: number): Promise<number> {
  await session.reader.call('arm', { total });
  const start: number = await session.writer.call('burst', { total, batch: BATCH });
  const got = await session.reader.call('wait', { timeoutMs: 60_000 });
  if (got.outOfOrder > 0) throw new Error(`${got.outOfOrder} events out of order`);
  return (total / (got.end - start)) * 1000;
}

async function p99(session: Session): Promise<number> {
  await session.reader.call('arm', { total: LATENCY_TOTAL, warmup: LATENCY_WARMUP, latency: true });
  await session.writer.call('paced', { rate: RATE, total: LATENCY_TOTAL });
  const got = await session.reader.call('wait', { timeoutMs: 30_000 });
  return got.p99;
}

export async function run(): Promise<void> {
  const rates: Record<Mode, number[]> = { raw: [], varspace: [], socketio: [] };
  const latencies: Record<Mode, number[]> = { raw: [], varspace: [], socketio: [] };
  const modes: Mode[] = ['raw', 'varspace', 'socketio'];
  for (let s = 0; s < SESSIONS; s++) {
    for (let k = 0; k < modes.length; k++) {
      const mode = modes[(s + k) % modes.length];
      const session = await open(mode, 1);
      try {
        await burst(session, TOTAL); // warm-up, not counted
        for (let b = 0; b < BURSTS; b++) rates[mode].push(await burst(session, TOTAL));
        latencies[mode].push(await p99(session));
      } finally {
        await close(session);
      }
    }
  }
  const fan: Record<'raw' | 'varspace', number[]> = { raw: [], varspace: [] };
  for (let s = 0; s < 2; s++) {
    for (const mode of s % 2 === 0 ? (['raw', 'varspace'] as const) : (['varspace', 'raw'] as const)) {
      const session = await open(mode, FAN_OUT);
      try {
        await burst(session, FAN_TOTAL);
        for (let b = 0; b < BURSTS; b++) fan[mode].push((await burst(session, FAN_TOTAL)) * FAN_OUT);
      } finally {
        await close(session);
      }
    }
  }
  const vsRaw = medians(rates.varspace, rates.raw);
  const vsIo = medians(rates.varspace, rates.socketio);
  const latRaw = medians(latencies.varspace, latencies.raw);
  const latIo = medians(latencies.varspace, latencies.socketio);
  const fanRaw = medians(fan.varspace, fan.raw);
  const rows: BenchRow[] = [
    {
      what: `events/s, 1 publisher → hub → 1 subscriber, ${TOTAL.toLocaleString('en-US')} events, all in order`,
      ...vsRaw,
      unit: 'events/s',
      baselineName: 'raw ws relay, same entries',
      goal: '≥ 0.9×',
      met: vsRaw.value >= 0.9 * vsRaw.baseline,
    },
    {
      what: 'the same, against Socket.IO emit',
      ...vsIo,
      unit: 'events/s',
      baselineName: 'Socket.IO relay, one emit per event',
      goal: '≥ 2×',
      met: vsIo.value >= 2 * vsIo.baseline,
    },
    {
      what: `p99 latency at ${RATE.toLocaleString('en-US')} events/s`,
      ...latRaw,
      unit: 'ms',
      baselineName: 'raw ws relay',
      higherIsBetter: false,
      goal: '≤ 1.5× raw',
      met: latRaw.value <= 1.5 * latRaw.baseline,
    },
    { what: 'the same, against Socket.IO', ...latIo, unit: 'ms', baselineName: 'Socket.IO relay', higherIsBetter: false },
    {
      what: `deliveries/s, 1 publisher → ${FAN_OUT} subscribers, ${FAN_TOTAL.toLocaleString('en-US')} events`,
      ...fanRaw,
      unit: 'deliveries/s',
      baselineName: 'raw ws broadcast',
    },
  ];
  printTable('events: publisher → hub → subscriber(s), medians of interleaved runs', rows);
  const list = (runs: number[]) => runs.map((r) => Math.round(r)).join(', ');
  console.log(`\nruns (events/s): raw ${list(rates.raw)}; varspace ${list(rates.varspace)}; Socket.IO ${list(rates.socketio)}`);
  console.log(
    `runs (p99 ms): raw ${latencies.raw.map((r) => r.toFixed(2)).join(', ')}; varspace ${latencies.varspace.map((r) => r.toFixed(2)).join(', ')}; Socket.IO ${latencies.socketio.map((r) => r.toFixed(2)).join(', ')}`,
  );
  console.log(`runs (fan-out deliveries/s): raw ${list(fan.raw)}; varspace ${list(fan.varspace)}`);
}
