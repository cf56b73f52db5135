// Profiling helper (not a suite): which process's work makes varspace's latency at 1,000 updates/s.
// Each side of writer → server → reader runs as a varspace link (`link`) or as a plain `ws` client
// speaking the protocol by hand (`hand`: what the hub costs without the links), or the whole path
// runs as the raw relay (`raw`). Sessions are interleaved; every combo's samples are pooled.
// `node --import tsx bench/processes/probe-mix.ts [sessions] [combos]`, combos such as
// `raw,hand-hand,link-hand,hand-link,link-link` (writer-reader). Build first: it runs `dist/`.
import { Child } from './ipc.js';

const [sessions = '3', list = 'raw,hand-hand,link-hand,hand-link,link-link', total = '9000'] = process.argv.slice(2);
const combos = list.split(',');
const warmup = Number(total) / 3;
const pooled = new Map<string, number[]>();
const cpu = new Map<string, number[][]>();
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const line = (sorted: number[]) => [0.5, 0.9, 0.95, 0.99].map((p) => (pct(sorted, p) * 1000).toFixed(0)).join(' / ');

for (let k = 0; k < Number(sessions); k++) {
  for (const combo of combos) {
    const [w, r] = combo === 'raw' ? ['raw', 'raw'] : combo.split('-').map((side) => (side === 'link' ? 'varspace' : 'hand'));
    const server = new Child(combo === 'raw' ? 'relay' : 'hub', {});
    const reader = new Child('reader', {});
    const writer = new Child('writer', {});
    try {
      const url: string = await server.call('url');
      await writer.call('connect', { mode: w, url, vars: 1000 });
      await reader.call('connect', { mode: r, url, connections: 1 });
      await reader.call('arm', { vars: 1000, total: 50_000 });
      await writer.call('burst', { rounds: 50 });
      await reader.call('wait', { timeoutMs: 60_000 });
      const before = await Promise.all([writer, server, reader].map((c) => c.call<number>('cpu')));
      await reader.call('arm', { vars: 1000, total: Number(total), warmup, latency: true });
      await writer.call('paced', { rate: 1000, total: Number(total) });
      const got = await reader.call('wait', { timeoutMs: 60_000, series: true });
      const after = await Promise.all([writer, server, reader].map((c) => c.call<number>('cpu')));
      const perUpdate = after.map((ms, i) => ((ms - before[i]) * 1000) / Number(total));
      const series = (got.series as number[]).slice().sort((a, b) => a - b);
      pooled.set(combo, [...(pooled.get(combo) ?? []), ...series]);
      cpu.set(combo, [...(cpu.get(combo) ?? []), perUpdate]);
      console.log(
        `${combo.padEnd(10)} p50/p90/p95/p99 ${line(series)} µs; CPU µs per update writer/server/reader ${perUpdate.map((c) => c.toFixed(0)).join(' / ')}`,
      );
    } finally {
      await writer.call('close').catch(() => undefined);
      await reader.call('close').catch(() => undefined);
      await Promise.all([writer.stop(), reader.stop(), server.stop()]);
    }
  }
}
console.log('pooled:');
for (const combo of combos) {
  const all = pooled.get(combo)!.sort((a, b) => a - b);
  console.log(`${combo.padEnd(10)} ${all.length} samples, p50/p90/p95/p99 ${line(all)} µs`);
}
