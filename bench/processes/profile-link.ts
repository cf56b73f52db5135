// Profiling helper (not a suite): runs one varspace session of the link bench — bursts, then
// (optionally) a fan-out — with `--cpu-prof` on the writer, hub and reader processes.
// `node --import tsx bench/processes/profile-link.ts <dir> [mode] [followers] [rounds] [reps]`
import { burst, burstLine } from './burst.js';
import { Child } from './ipc.js';

const [dir = '/tmp/prof/out', mode = 'varspace', followers = '1', rounds = '50', reps = '5'] = process.argv.slice(2);
const server = new Child(mode === 'raw' ? 'relay' : 'hub', { profileDir: dir });
const reader = new Child('reader', { profileDir: dir });
const writer = new Child('writer', { profileDir: dir });
const url: string = await server.call('url');
await writer.call('connect', { mode, url, vars: 1000 });
await reader.call('connect', { mode, url, connections: Number(followers) });
for (let rep = 0; rep < Number(reps); rep++) {
  console.log(burstLine(mode, await burst({ writer, server, reader }, 1000, Number(rounds))));
}
for (let rep = 0; rep < Number(process.env.LAT_REPS ?? 0); rep++) {
  await reader.call('arm', { vars: 1000, total: 3000, warmup: 500, latency: true });
  await writer.call('paced', { rate: 1000, total: 3000 });
  const got = await reader.call('wait', { timeoutMs: 30_000 });
  console.log(`${mode} latency p50 ${got.p50.toFixed(3)} p99 ${got.p99.toFixed(3)} max ${got.max.toFixed(3)} ms`);
}
console.log('hub', JSON.stringify(await server.call('stats')));
console.log('writer', JSON.stringify(await writer.call('stats')));
await writer.call('close');
await reader.call('close');
await Promise.all([writer.stop(), reader.stop(), server.stop()]);
