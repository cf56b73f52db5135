// Request/reply round trips (issue 16): requester (this process) → server process → serving
// process and back, on 127.0.0.1, beside Socket.IO `emit` with an ack callback in the same layout
// (its relay asks the serving socket with an ack and answers the requester's ack with the reply).
// Each run sends ~100-byte JSON payloads that the service echoes: 1 in flight (ROUNDS_1 requests,
// one after the other; the first WARMUP not counted, each one timed for p50/p99), and 64 in
// flight (ROUNDS_64 requests). The two sides run in interleaved sessions (BENCH_SERVICES_SESSIONS,
// 5 by default), each round starting with the next side; every figure is the MEDIAN over the runs
// with the range beside it, and every ratio median over median against Socket.IO of the same run.
import { io, type Socket } from 'socket.io-client';
import { Space, connect, type Link } from '../dist/index.js';
import { Child, hrMs } from './processes/ipc.js';
import { medians, printTable, type BenchRow } from './table.js';

const SESSIONS = Number(process.env.BENCH_SERVICES_SESSIONS ?? 5);
const ROUNDS_1 = 5_000;
const WARMUP = 1_000;
const ROUNDS_64 = 40_000;
const payload = (n: number) => ({ n, text: 'a request of about one hundred bytes, echoed by the service as its reply' });

type Mode = 'varspace' | 'socketio';
type Ask = (value: unknown) => Promise<unknown>;

interface Run {
  readonly rate1: number;
  readonly p50: number;
  readonly p99: number;
  readonly rate64: number;
}

async function oneInFlight(ask: Ask): Promise<{ rate: number; p50: number; p99: number }> {
  const times: number[] = [];
  let started = 0;
  for (let i = 0; i < ROUNDS_1; i++) {
    if (i === WARMUP) started = hrMs();
    const t0 = hrMs();
    await ask(payload(i));
    if (i >= WARMUP) times.push(hrMs() - t0);
  }
  const rate = ((ROUNDS_1 - WARMUP) / (hrMs() - started)) * 1000;
  times.sort((a, b) => a - b);
  return { rate, p50: times[Math.floor(times.length * 0.5)], p99: times[Math.floor(times.length * 0.99)] };
}

async function manyInFlight(ask: Ask, inFlight: number): Promise<number> {
  let next = 0;
  const started = hrMs();
  const lane = async () => {
    while (next < ROUNDS_64) await ask(payload(next++));
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return (ROUNDS_64 / (hrMs() - started)) * 1000;
}

/** One session of one side: fresh processes, a warm-up burst, then the counted runs. */
async function session(mode: Mode): Promise<Run> {
  const hub = new Child(mode === 'varspace' ? 'hub' : 'socketio-rpc-relay');
  const server = new Child('rpc-server');
  let link: Link | undefined;
  let socket: Socket | undefined;
  try {
    const url: string = await hub.call('url');
    await server.call('connect', { mode, url });
    let ask: Ask;
    if (mode === 'varspace') {
      const requester = (link = await connect(url, { space: new Space(), reconnect: false }));
      ask = (value) => requester.request('bench.rpc/echo', value);
    } else {
      const requester = (socket = io(url, { transports: ['websocket'], query: { role: 'ask' } }));
      await new Promise<void>((resolve) => requester.once('connect', () => resolve()));
      ask = (value) => new Promise((resolve) => requester.emit('rq', value, resolve));
    }
    await manyInFlight(ask, 64); // warm-up: the JIT in all three processes
    const one = await oneInFlight(ask);
    const rate64 = await manyInFlight(ask, 64);
    return { rate1: one.rate, p50: one.p50, p99: one.p99, rate64 };
  } finally {
    await link?.close();
    socket?.close();
    await server.call('close').catch(() => undefined);
    await server.stop();
    await hub.stop();
  }
}

export async function run(): Promise<void> {
  const runs: Record<Mode, Run[]> = { varspace: [], socketio: [] };
  for (let s = 0; s < SESSIONS; s++) {
    const order: Mode[] = s % 2 === 0 ? ['varspace', 'socketio'] : ['socketio', 'varspace'];
    for (const mode of order) runs[mode].push(await session(mode));
  }
  const of = (mode: Mode, key: keyof Run) => runs[mode].map((r) => r[key]);
  const baselineName = 'Socket.IO emit with ack, relayed';
  const row = (
    what: string,
    key: keyof Run,
    unit: string,
    higherIsBetter: boolean,
    goal?: [string, (ratio: number) => boolean],
  ): BenchRow => {
    const m = medians(of('varspace', key), of('socketio', key));
    const ratio = higherIsBetter ? m.value / m.baseline : m.baseline / m.value;
    return { what, unit, baselineName, higherIsBetter, ...m, ...(goal ? { goal: goal[0], met: goal[1](ratio) } : {}) };
  };
  printTable(`services: requester → hub process → serving process, 127.0.0.1 (median of ${SESSIONS} sessions)`, [
    row(`round trips/s, 1 in flight (${ROUNDS_1 - WARMUP} requests)`, 'rate1', 'rt/s', true),
    row(`round trips/s, 64 in flight (${ROUNDS_64} requests)`, 'rate64', 'rt/s', true, ['≥ 2×', (r) => r >= 2]),
    row('latency p50, 1 in flight', 'p50', 'ms', false),
    row('latency p99, 1 in flight', 'p99', 'ms', false, ['≤ 1.2× (ratio ≥ 0.83)', (r) => r >= 1 / 1.2]),
  ]);
  const list = (mode: Mode) =>
    runs[mode]
      .map((r) => `${Math.round(r.rate1)}/${Math.round(r.rate64)} rt/s, p50 ${r.p50.toFixed(3)} p99 ${r.p99.toFixed(3)} ms`)
      .join('; ');
  console.log(`\n\`\`\`text\nvarspace runs (1 in flight / 64 in flight): ${list('varspace')}\nsocketio runs: ${list('socketio')}\n\`\`\``);
}
