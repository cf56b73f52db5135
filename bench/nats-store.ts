// One hub on `natsStore` (a real nats-server with JetStream, spawned here) beside the same hub on
// `memoryStore`: acked writes per second from one link to one follower on the same hub. Every write
// is a `set` (acked once the store has it: for NATS, once JetStream acked it), 500 in flight, over
// 100 vars; a run ends when every write is acked and the follower holds the last value of each var.
// The two stores' runs alternate; each figure is the median of the runs with their range.
import { Space, connect, memoryStore, startHub, type Store } from '../dist/index.js';
import { natsStore } from '../dist/nats/index.js';
import { startNatsServer } from '../spec/support/nats-server.js';
import { medians, printTable } from './table.js';

const WRITES = 5_000;
const VARS = 100;
const WINDOW = 500;
const RUNS = 5;

async function writesPerSecond(store: Store): Promise<number> {
  const hub = await startHub({ port: 0, host: '127.0.0.1', store, heartbeat: false });
  const space = new Space();
  const writer = await connect(hub.url, { space: new Space(), reconnect: false });
  const follower = await connect(hub.url, { space, reconnect: false });
  await follower.follow('bench.>').synced;
  const start = performance.now();
  for (let sent = 0; sent < WRITES; sent += WINDOW) {
    const window: Promise<unknown>[] = [];
    for (let i = sent; i < Math.min(WRITES, sent + WINDOW); i++) window.push(writer.set(`bench.g/v${i % VARS}`, { i }));
    await Promise.all(window);
  }
  const last = (v: number) => WRITES - VARS + v;
  while (
    !Array.from({ length: VARS }, (_, v) => (space.resolve(`bench.g/v${v}`)?.getValue() as { i: number } | undefined)?.i === last(v)).every(
      Boolean,
    )
  )
    await new Promise((resolve) => setTimeout(resolve, 1));
  const ms = performance.now() - start;
  await writer.close();
  await follower.close();
  await hub.close();
  return (WRITES / ms) * 1000;
}

/** Prints the `natsStore` row against `memoryStore`. */
export async function run(): Promise<void> {
  const nats = await startNatsServer();
  try {
    const values: number[] = [];
    const baselines: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const measureNats = async () => values.push(await writesPerSecond(await natsStore({ servers: nats.url, bucket: `bench${run}` })));
      const measureMemory = async () => baselines.push(await writesPerSecond(memoryStore()));
      if (run % 2 === 0) {
        await measureMemory();
        await measureNats();
      } else {
        await measureNats();
        await measureMemory();
      }
    }
    printTable(
      `natsStore: one hub, acked writes to a follower on the same hub (${WRITES} sets over ${VARS} vars, ${WINDOW} in flight, ${RUNS} interleaved runs)`,
      [
        {
          what: 'writes/s, natsStore (JetStream KV on loopback)',
          unit: 'writes/s',
          baselineName: 'memoryStore',
          ...medians(values, baselines),
        },
      ],
    );
  } finally {
    await nats.close();
  }
}
