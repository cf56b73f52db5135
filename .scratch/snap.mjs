import { writeHeapSnapshot } from 'node:v8';
import { readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
const { startHub } = await import('../dist/index.js');
const N = 2000;
let hub;
if (process.argv[2] === 'raw') {
  const { WebSocketServer } = await import('ws');
  const { Liveness } = await import('../dist/sync/liveness.js');
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => wss.once('listening', r));
  const peers = new Map();
  wss.on('connection', (ws) => { const p = { liveness: new Liveness(Date.now()), lastPing: 0 }; peers.set(ws, p); const hear = () => p.liveness.hear(); ws.on('message', (d) => { hear(); ws.send('[{"t":"welcome"}]'); }); ws.on('pong', hear); ws.on('close', () => peers.delete(ws)); });
  hub = { url: 'ws://127.0.0.1:' + wss.address().port, close: async () => wss.close() };
} else hub = await startHub({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 1000, timeoutMs: 10000 } });
function agg(file) {
  const s = JSON.parse(readFileSync(file, 'utf8'));
  const f = s.snapshot.meta.node_fields; const types = s.snapshot.meta.node_types[0];
  const w = f.length; const m = new Map();
  for (let i = 0; i < s.nodes.length; i += w) {
    const key = types[s.nodes[i]] + ':' + (types[s.nodes[i]] === 'string' || types[s.nodes[i]]==='concatenated string' ? '' : s.strings[s.nodes[i+1]]).slice(0, 60);
    const e = m.get(key) ?? [0, 0]; e[0] += s.nodes[i+3]; e[1]++; m.set(key, e);
  }
  return m;
}
gc(); gc();
const a = agg(writeHeapSnapshot('/tmp/idle/a.heapsnapshot'));
const child = spawn(process.execPath, [new URL('./clients.mjs', import.meta.url).pathname, hub.url, String(N)], { stdio: ['ignore', 'pipe', 'inherit'] });
await new Promise((r) => child.stdout.once('data', r));
await new Promise((r) => setTimeout(r, 1500));
gc(); gc();
const b = agg(writeHeapSnapshot('/tmp/idle/b.heapsnapshot'));
const rows = [];
for (const [k, [size, count]] of b) { const [s0, c0] = a.get(k) ?? [0, 0]; rows.push([k, (size - s0) / N, (count - c0) / N]); }
rows.sort((x, y) => y[1] - x[1]);
let total = 0; for (const r of rows) total += r[1];
console.log('total B/conn (both ends, in-process)', total.toFixed(0));
for (const r of rows.slice(0, 45)) console.log(r[1].toFixed(1).padStart(8), r[2].toFixed(2).padStart(6), r[0]);
child.kill();
await hub.close();
