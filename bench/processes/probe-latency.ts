// Profiling helper (not a suite): latency only, raw relay vs varspace vs Socket.IO, a few sessions each.
// `node --import tsx bench/processes/probe-latency.ts [sessions] [total]`
import { SERVER_OF, type Mode } from './burst.js';
import { Child } from './ipc.js';

const [sessions = '2', total = '6000'] = process.argv.slice(2);
for (let k = 0; k < Number(sessions); k++) {
  for (const mode of Object.keys(SERVER_OF) as Mode[]) {
    const server = new Child(SERVER_OF[mode], {});
    const reader = new Child('reader', {});
    const writer = new Child('writer', {});
    const url: string = await server.call('url');
    await writer.call('connect', { mode, url, vars: 1000 });
    await reader.call('connect', { mode, url, connections: 1 });
    await reader.call('arm', { vars: 1000, total: 50_000 });
    await writer.call('burst', { rounds: 50 });
    await reader.call('wait', { timeoutMs: 60_000 });
    await reader.call('arm', { vars: 1000, total: Number(total), warmup: Number(total) / 2, latency: true });
    await writer.call('paced', { rate: 1000, total: Number(total) });
    const got = await reader.call('wait', { timeoutMs: 30_000 });
    console.log(
      `${mode.padEnd(8)} p50 ${got.p50.toFixed(3)} p90 ${got.p90.toFixed(3)} p95 ${got.p95.toFixed(3)} p99 ${got.p99.toFixed(3)} max ${got.max.toFixed(2)} ms`,
    );
    await writer.call('close').catch(() => undefined);
    await reader.call('close').catch(() => undefined);
    await Promise.all([writer.stop(), reader.stop(), server.stop()]);
  }
}
