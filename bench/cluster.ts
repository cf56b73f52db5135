// Benchmarks of a cluster (issue 15): hubs on one NATS JetStream bucket, every part its own
// process on 127.0.0.1, a fresh nats-server (bench/processes/nats.ts) per session.
//
// - Throughput and latency: a writer linked to hub A, a follower linked to hub B; every update
//   goes writer → hub A → JetStream → hub B → follower. 1,000 vars × 50 rounds (50,000 updates, the
//   schedule of bench/wire.ts: one write to every var per round, a turn of the event loop between
//   rounds), then 12,000 updates at 1,000/s for latency. Baseline in the same run: raw JetStream,
//   a plain `@nats-io/kv` writer putting the same ~100-byte JSON values (one put per update,
//   pipelined) and a plain watcher in another process (bench/processes/kv-client.ts). Sessions of
//   the two sides alternate (BENCH_CLUSTER_SESSIONS of each, 3 by default); figures are medians
//   with their range, ratios median over median.
// - Convergence: 3 hubs × 20 links, each link syncing `conv.>` and owning one var of it: every
//   link writes its var at once; the time until every link holds all 60 values.
//
// The varspace rows need the NATS store (dist/nats/index.js, issue 15's other half): without it
// they are skipped with a line that says so, and only the raw JetStream rows are measured.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NATS_SERVER } from '../spec/support/nats-server.js';
import { burst, type Burst, type Session } from './processes/burst.js';
import { Child, hrMs } from './processes/ipc.js';
import { medians, printTable, spread, type BenchRow } from './table.js';
import { latency, type Latency } from './wire.js';

const VARS = 1_000;
const ROUNDS = 50;
const LATENCY_RATE = 1_000;
const SESSIONS = Number(process.env.BENCH_CLUSTER_SESSIONS) || 3;
/** Counted bursts per session (after one that warms up every process). */
const BURSTS = 2;
const HUBS = 3;
const LINKS_PER_HUB = 20;
/** Counted convergence rounds (after one not counted). */
const CONVERGENCE_ROUNDS = 5;
const SECRET = 'the-secret-shared-by-the-hubs-of-the-cluster-bench';
const NATS_ENTRY = fileURLToPath(new URL('../dist/nats/index.js', import.meta.url));

type Side = 'kv' | 'varspace';

/** A session's processes: the three that `burst` drives, and the rest (nats-server, hub B). */
interface ClusterSession extends Session {
  readonly others: Child[];
}

async function openSession(side: Side): Promise<ClusterSession> {
  const nats = new Child('nats');
  const servers: string = await nats.call('url');
  const writer = new Child('writer');
  const reader = new Child('reader');
  if (side === 'kv') {
    await writer.call('connect', { mode: 'kv', url: servers, vars: VARS });
    await reader.call('connect', { mode: 'kv', url: servers, connections: 1 });
    return { writer, reader, server: nats, others: [] };
  }
  const [a, b] = [new Child('nats-hub'), new Child('nats-hub')];
  const urlA: string = await a.call('start', { servers, bucket: 'bench', secret: SECRET });
  const urlB: string = await b.call('start', { servers, bucket: 'bench', secret: SECRET });
  await writer.call('connect', { mode: 'varspace', url: urlA, vars: VARS });
  await reader.call('connect', { mode: 'varspace', url: urlB, connections: 1 });
  return { writer, reader, server: a, others: [b, nats] };
}

async function closeSession(session: ClusterSession): Promise<void> {
  for (const child of [session.writer, session.reader, session.server, ...session.others]) await child.call('close').catch(() => undefined);
  await Promise.all([session.writer, session.reader, session.server, ...session.others].map((child) => child.stop()));
}

/** Convergence of 3 hubs × 20 links on one nats-server: ms per round, one figure per counted round. */
async function convergence(): Promise<number[]> {
  const nats = new Child('nats');
  const hubs = Array.from({ length: HUBS }, () => new Child('nats-hub'));
  const groups = Array.from({ length: HUBS }, () => new Child('cluster-links'));
  try {
    const servers: string = await nats.call('url');
    for (const [k, hub] of hubs.entries()) {
      const url: string = await hub.call('start', { servers, bucket: 'convergence', secret: SECRET });
      await groups[k].call('connect', { url, links: LINKS_PER_HUB, base: k * LINKS_PER_HUB });
    }
    const times: number[] = [];
    for (let round = 0; round <= CONVERGENCE_ROUNDS; round++) {
      await Promise.all(groups.map((g) => g.call('arm', { round, total: HUBS * LINKS_PER_HUB })));
      const starts: number[] = await Promise.all(groups.map((g) => g.call('write')));
      const ends: number[] = await Promise.all(groups.map((g) => g.call('wait', { timeoutMs: 30_000 })));
      if (round > 0) times.push(Math.max(...ends) - Math.min(...starts));
    }
    return times;
  } finally {
    for (const child of [...groups, ...hubs, nats]) await child.call('close').catch(() => undefined);
    await Promise.all([...groups, ...hubs, nats].map((child) => child.stop()));
  }
}

export async function run(): Promise<void> {
  if (!existsSync(NATS_SERVER)) {
    console.log(`\ncluster: SKIPPED: no nats-server at ${NATS_SERVER} (apt-get install nats-server, or set NATS_SERVER)`);
    return;
  }
  const started = hrMs();
  const withVarspace = existsSync(NATS_ENTRY);
  const sides: Side[] = withVarspace ? ['kv', 'varspace'] : ['kv'];
  const bursts: Record<Side, Burst[]> = { kv: [], varspace: [] };
  const lat: Record<Side, Latency[]> = { kv: [], varspace: [] };
  for (let round = 0; round < SESSIONS; round++) {
    for (let k = 0; k < sides.length; k++) {
      const side = sides[(round + k) % sides.length];
      const session = await openSession(side);
      try {
        await burst(session, VARS, ROUNDS);
        for (let rep = 0; rep < BURSTS; rep++) bursts[side].push(await burst(session, VARS, ROUNDS));
        lat[side].push(await latency(session));
      } finally {
        await closeSession(session);
      }
    }
  }
  const convergenceRuns = withVarspace ? await convergence() : [];

  const rates = (side: Side) => bursts[side].map((b) => b.rate);
  const latencies = (side: Side, p: 'p50' | 'p99') => lat[side].map((l) => l[p]);
  const runsText = `median of ${bursts.kv.length} runs in ${SESSIONS} sessions`;
  const received = (side: Side) => spread(bursts[side].map((b) => b.received)).range[0];
  const rows: BenchRow[] = [];
  if (withVarspace) {
    const tp = medians(rates('varspace'), rates('kv'));
    rows.push({
      what: `updates/s, writer → hub A → NATS → hub B → follower (${VARS} vars × ${ROUNDS} rounds; ≥ ${received('varspace')} of ${VARS * ROUNDS} delivered; ${runsText})`,
      ...tp,
      unit: 'upd/s',
      baselineName: 'raw JetStream KV put → watch',
      goal: '≥ 0.7×',
      met: tp.value >= 0.7 * tp.baseline,
    });
    for (const p of ['p50', 'p99'] as const) {
      const l = medians(latencies('varspace', p), latencies('kv', p));
      rows.push({
        what: `latency ${p} at ${LATENCY_RATE} upd/s, hub A → hub B (median of ${SESSIONS} sessions)`,
        ...l,
        unit: 'ms',
        baselineName: 'raw JetStream KV put → watch',
        higherIsBetter: false,
        ...(p === 'p99' ? { goal: '≤ 1.5× (ratio ≥ 0.67)', met: l.value <= 1.5 * l.baseline } : {}),
      });
    }
    const conv = spread(convergenceRuns);
    rows.push({
      what: `convergence, ${HUBS} hubs × ${LINKS_PER_HUB} links: all ${HUBS * LINKS_PER_HUB} links write one var each at once, until every link holds all (median of ${convergenceRuns.length} rounds)`,
      value: conv.median,
      range: conv.range,
      unit: 'ms',
      higherIsBetter: false,
    });
  } else {
    console.log(
      `\ncluster: varspace rows SKIPPED: ${NATS_ENTRY} is missing (the NATS store, issue 15's other half, is not built here); only the raw JetStream baseline is measured.`,
    );
    const tp = spread(rates('kv'));
    rows.push({
      what: `raw JetStream KV put → watch, updates/s (${VARS} vars × ${ROUNDS} rounds; ≥ ${received('kv')} of ${VARS * ROUNDS} delivered; ${runsText})`,
      value: tp.median,
      range: tp.range,
      unit: 'upd/s',
    });
    for (const p of ['p50', 'p99'] as const) {
      const l = spread(latencies('kv', p));
      rows.push({
        what: `raw JetStream KV latency ${p} at ${LATENCY_RATE} upd/s (median of ${SESSIONS} sessions)`,
        value: l.median,
        range: l.range,
        unit: 'ms',
        higherIsBetter: false,
      });
    }
  }
  printTable('cluster: hubs on one NATS JetStream bucket, every part its own process, 127.0.0.1', rows);
  const listRates = (side: Side) => bursts[side].map((b) => Math.round(b.rate)).join(', ');
  const listLatencies = (side: Side) =>
    lat[side].map((l) => `${l.p50.toFixed(3)}/${l.p99.toFixed(3)} (max ${l.max.toFixed(1)})`).join(', ');
  console.log(`\nall runs (upd/s): ${sides.map((s) => `${s} ${listRates(s)}`).join('; ')}`);
  console.log(`latency runs p50/p99 (ms): ${sides.map((s) => `${s} ${listLatencies(s)}`).join('; ')}`);
  if (convergenceRuns.length > 0) console.log(`convergence rounds (ms): ${convergenceRuns.map((ms) => ms.toFixed(1)).join(', ')}`);
  console.log(`(cluster bench took ${((hrMs() - started) / 1000).toFixed(1)} s)`);
}
