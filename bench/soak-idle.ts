// `npm run soak`, idle half: 10,000 idle links on one varspace hub beside a raw `ws` server with
// the same heartbeat rule holding 10,000 idle connections, in the same run. Each server runs in
// its own process (the hub from the built dist); the connections come from several client
// processes, each opening its share as a burst. Prints heap and RSS per connection, CPU per second
// of heartbeats, time to connect all, and connections that failed or dropped.
// Run alone: `node --expose-gc --import tsx bench/soak-idle.ts` (after `npm run build`).
// Env: SOAK_IDLE_LINKS (default 10000), SOAK_IDLE_PROCS (4), SOAK_IDLE_BURST (50), SOAK_IDLE_CPU_MS (10000),
// SOAK_IDLE_PROFILE (a directory for CPU profiles of the idle window).
import { Child, sleep } from './processes/ipc.js';
import { printTable, type BenchRow } from './table.js';

const LINKS = Number(process.env.SOAK_IDLE_LINKS ?? 10_000);
const PROCS = Number(process.env.SOAK_IDLE_PROCS ?? 4);
const BURST = Number(process.env.SOAK_IDLE_BURST ?? 50);
const CPU_WINDOW_MS = Number(process.env.SOAK_IDLE_CPU_MS ?? 10_000);
/** A directory: each server's CPU profile of the idle window is written there. */
const PROFILE_DIR = process.env.SOAK_IDLE_PROFILE;
/** Short heartbeats, so that a few seconds hold many rounds of them (both servers alike). */
const HEARTBEAT = { intervalMs: 1_000, timeoutMs: 10_000 };

/** What one server holding the idle connections measured. */
interface Measured {
  readonly heapPerConnection: number;
  readonly rssPerConnection: number;
  readonly cpuMsPerSecond: number;
  readonly connectMs: number;
  readonly opened: number;
  readonly failed: number;
  readonly dropped: number;
  readonly errors: readonly string[];
}

async function measure(kind: 'varspace' | 'raw'): Promise<Measured> {
  const server = new Child('idle-server', { args: [kind, String(HEARTBEAT.intervalMs), String(HEARTBEAT.timeoutMs)] });
  const clients = Array.from({ length: PROCS }, () => new Child('idle-clients'));
  try {
    const url = await server.call<string>('url');
    await sleep(500);
    const empty = await server.call<{ heap: number; rss: number }>('memory');
    const share = Math.ceil(LINKS / PROCS);
    const started = performance.now();
    const results = await Promise.all(
      clients.map((client, i) =>
        client.call<{ opened: number; failed: number; errors: string[] }>(
          'open',
          { url, kind, count: Math.min(share, LINKS - i * share), burst: BURST, heartbeat: HEARTBEAT },
          120_000,
        ),
      ),
    );
    const connectMs = performance.now() - started;
    const opened = results.reduce((sum, r) => sum + r.opened, 0);
    await sleep(2_000);
    const held = await server.call<{ heap: number; rss: number }>('memory');
    const connections = await server.call<number>('connections');
    await sleep(1_000);
    if (PROFILE_DIR) await server.call('profileStart');
    const cpu0 = await server.call<number>('cpu');
    const t0 = performance.now();
    await sleep(CPU_WINDOW_MS);
    const cpu1 = await server.call<number>('cpu');
    if (PROFILE_DIR) await server.call('profileStop', { dir: PROFILE_DIR });
    const cpuMsPerSecond = ((cpu1 - cpu0) / (performance.now() - t0)) * 1000;
    const dropped = (await Promise.all(clients.map((client) => client.call<number>('dropped')))).reduce((a, b) => a + b, 0);
    const perConnection = Math.max(1, connections);
    return {
      heapPerConnection: (held.heap - empty.heap) / perConnection,
      rssPerConnection: (held.rss - empty.rss) / perConnection,
      cpuMsPerSecond,
      connectMs,
      opened,
      failed: results.reduce((sum, r) => sum + r.failed, 0),
      dropped: dropped + Math.max(0, opened - connections - dropped),
      errors: results.flatMap((r) => r.errors),
    };
  } finally {
    await Promise.all(
      clients.map(async (client) => {
        await client.call('close', {}, 30_000).catch(() => {});
        await client.stop();
      }),
    );
    await server.stop();
  }
}

const began = performance.now();
const raw = await measure('raw');
const hub = await measure('varspace');
const kb = (bytes: number) => bytes / 1024;
const rows: BenchRow[] = [
  {
    what: 'live heap per idle connection (after gc)',
    value: kb(hub.heapPerConnection),
    baseline: kb(raw.heapPerConnection),
    baselineName: 'raw ws',
    unit: 'KB',
    higherIsBetter: false,
    goal: '≤ 1.5×',
    met: hub.heapPerConnection <= 1.5 * raw.heapPerConnection,
  },
  {
    what: 'RSS per idle connection',
    value: kb(hub.rssPerConnection),
    baseline: kb(raw.rssPerConnection),
    baselineName: 'raw ws',
    unit: 'KB',
    higherIsBetter: false,
  },
  {
    what: `server CPU while idle (heartbeats every ${HEARTBEAT.intervalMs} ms)`,
    value: hub.cpuMsPerSecond,
    baseline: raw.cpuMsPerSecond,
    baselineName: 'raw ws',
    unit: 'ms/s',
    higherIsBetter: false,
    goal: '≤ 1.5×',
    met: hub.cpuMsPerSecond <= 1.5 * raw.cpuMsPerSecond,
  },
  {
    what: `time to connect ${LINKS.toLocaleString('en-US')} (${PROCS} processes, bursts of ${BURST})`,
    value: hub.connectMs,
    baseline: raw.connectMs,
    baselineName: 'raw ws',
    unit: 'ms',
    higherIsBetter: false,
  },
  // counts: the raw server's beside, in the label (a ratio of counts that may be 0 says nothing)
  { what: `connections that failed to open (raw ws: ${raw.failed})`, value: hub.failed, unit: 'links', goal: '0', met: hub.failed === 0 },
  { what: `connections dropped while idle (raw ws: ${raw.dropped})`, value: hub.dropped, unit: 'links', goal: '0', met: hub.dropped === 0 },
];
printTable(`soak: ${LINKS.toLocaleString('en-US')} idle links (bench/soak-idle.ts)`, rows);
for (const [name, m] of [
  ['varspace', hub],
  ['raw ws', raw],
] as const) {
  if (m.errors.length > 0) console.log(`\n${name} open failures: ${m.errors.join('; ')}`);
}
console.log(`\n(${((performance.now() - began) / 1000).toFixed(1)} s)`);
