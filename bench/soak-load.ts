// The load half of `npm run soak`: 50 links × 10,000 updates through one hub (processes:
// bench/processes/soak-hub.ts and soak-client.ts). Each link writes its own 100 vars, 100 rounds,
// and follows its neighbour's (see soak-client.ts), so the hub takes 500,000 updates and routes
// each to one reader. The hub measures its own event-loop delay and RSS. Figures of main before
// issue 14 are printed beside (measured with this script on the same machine).
// Env: SOAK_LINKS (50), SOAK_PROCESSES (5), SOAK_UPDATES (10,000 per link); SOAK_JSON=<file>
// appends the figures as a JSON line (to take medians over runs).
import { appendFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { Child } from './processes/ipc.js';
import { printTable, type BenchRow } from './table.js';

const LINKS = Number(process.env.SOAK_LINKS ?? 50);
const PROCESSES = Number(process.env.SOAK_PROCESSES ?? 5);
const UPDATES = Number(process.env.SOAK_UPDATES ?? 10_000);
const VARS = 100;
const ROUNDS = Math.ceil(UPDATES / VARS);
const SETTLE_MS = Number(process.env.SOAK_SETTLE_MS ?? 10_000);
const MB = 1024 * 1024;

/**
 * Main before issue 14's load fixes (commit 59533fc): medians of 7 runs of this script with
 * SOAK_DIST pointing at its build, interleaved with runs of this build, on 2 shared cores
 * (machine load average 14–19 during those runs).
 */
const BEFORE = { throughput: 31_200, p50: 982, p99: 7_235, max: 7_235, idle: 103.3, peak: 211.5, after: 146.6, dropped: 0 };

// SOAK_PROFILE=<dir>: a CPU profile of the hub process.
const hub = new Child('soak-hub', { profileDir: process.env.SOAK_PROFILE });
const clients: Child[] = [];
try {
  const url: string = await hub.call('url');
  const { rss: idle, memory: idleMemory }: { rss: number; memory: string } = await hub.call('idleRss');
  for (let p = 0; p < PROCESSES; p++) clients.push(new Child('soak-client'));
  const per = Math.ceil(LINKS / PROCESSES);
  await Promise.all(
    clients.map((client, p) =>
      client.call('connect', { url, first: p * per, links: Math.max(0, Math.min(per, LINKS - p * per)), total: LINKS, vars: VARS }),
    ),
  );
  await Promise.all(clients.map((client) => client.call('follow')));
  await hub.call('start');
  const runs: { t0: number; tDone: number }[] = await Promise.all(
    clients.map((client) => client.call('run', { rounds: ROUNDS, timeoutMs: 90_000 }, 100_000)),
  );
  const load: { p50: number; p99: number; max: number; peak: number; peakMemory: string } = await hub.call('stop');
  const t0 = Math.min(...runs.map((r) => r.t0));
  const tDone = Math.max(...runs.map((r) => r.tDone));
  const throughput = (LINKS * ROUNDS * VARS) / ((tDone - t0) / 1000);
  let dropped = 0;
  for (const client of clients) dropped += await client.call<number>('dropped');
  await Promise.all(clients.map((client) => client.call('close')));
  const settled: { rss: number; memory: string; connections: number } = await hub.call('settle', { ms: SETTLE_MS });
  if (process.env.SOAK_JSON) {
    appendFileSync(
      process.env.SOAK_JSON,
      `${JSON.stringify({ dist: process.env.SOAK_DIST ?? 'this', throughput, p50: load.p50, p99: load.p99, max: load.max, idle: idle / MB, peak: load.peak / MB, after: settled.rss / MB, dropped, loadavg: loadavg()[0] })}\n`,
    );
  }
  const row = (
    what: string,
    value: number,
    unit: string,
    before: number,
    goal: string,
    met: boolean | undefined,
    higherIsBetter = false,
  ): BenchRow => ({
    what,
    value,
    unit,
    baselineName: 'main',
    baseline: Number.isNaN(before) ? undefined : before,
    goal,
    met,
    higherIsBetter,
  });
  printTable(
    `Soak: ${LINKS} links × ${(ROUNDS * VARS).toLocaleString('en-US')} updates through one hub (${PROCESSES} client processes, each link follows its neighbour)`,
    [
      row(
        'throughput',
        throughput,
        'upd/s',
        BEFORE.throughput,
        '≥ main (within 5 %)',
        Number.isNaN(BEFORE.throughput) ? undefined : throughput >= BEFORE.throughput * 0.95,
        true,
      ),
      row('hub loop delay p50', load.p50, 'ms', BEFORE.p50, '', undefined),
      row('hub loop delay p99', load.p99, 'ms', BEFORE.p99, '≤ 50 ms', load.p99 <= 50),
      row('hub loop delay max', load.max, 'ms', BEFORE.max, '≤ 200 ms', load.max <= 200),
      row('hub RSS idle', idle / MB, 'MB', BEFORE.idle, '', undefined),
      row('hub RSS peak', load.peak / MB, 'MB', BEFORE.peak, '', undefined),
      row(`hub RSS after (${SETTLE_MS / 1000} s, gc)`, settled.rss / MB, 'MB', BEFORE.after, '≤ 1.5× idle', settled.rss <= 1.5 * idle),
      row('links dropped', dropped, '', BEFORE.dropped, '0', dropped === 0),
    ],
  );
  // Loop delays are wall time: on a shared machine, other processes' CPU shows in them.
  console.log(
    `\nLoad took ${((tDone - t0) / 1000).toFixed(1)} s; machine load average ${loadavg()[0].toFixed(1)} (${availableParallelism()} cores). Hub memory idle: ${idleMemory}; at the peak of the heap: ${load.peakMemory}; after: ${settled.memory}; connections open after: ${settled.connections}.`,
  );
} finally {
  await Promise.all(clients.map((client) => client.stop()));
  await hub.stop();
}
