import { readFileSync, readdirSync } from 'node:fs';
const dir = process.argv[2];
for (const f of readdirSync(dir)) {
  const p = JSON.parse(readFileSync(dir + '/' + f, 'utf8'));
  const names = p.nodes.map((n) => n.callFrame.functionName + ' ' + n.callFrame.url.split('/').slice(-2).join('/') + ':' + n.callFrame.lineNumber);
  if (!names.some((n) => n.includes('checkHeartbeats'))) continue;
  const self = new Map(); const byId = new Map(p.nodes.map((n, i) => [n.id, i]));
  const dt = p.timeDeltas; let total = 0;
  for (let i = 0; i < p.samples.length; i++) { const k = names[byId.get(p.samples[i])]; self.set(k, (self.get(k) ?? 0) + dt[i]); total += dt[i]; }
  console.log(f, 'total ms', (total / 1000).toFixed(0));
  [...self].sort((a, b) => b[1] - a[1]).slice(0, +(process.argv[3] ?? 30)).forEach(([k, v]) => console.log((v / 1000).toFixed(1).padStart(8), k));
}
