import { readFileSync, readdirSync } from 'node:fs';
const [dir, tailMs, top] = process.argv.slice(2);
for (const f of readdirSync(dir)) {
  const p = JSON.parse(readFileSync(dir + '/' + f, 'utf8'));
  const names = p.nodes.map((n) => n.callFrame.functionName + ' ' + n.callFrame.url.split('/').slice(-2).join('/') + ':' + n.callFrame.lineNumber);
  if (!names.some((n) => n.includes('checkHeartbeats') || n.includes('quietFor'))) continue;
  const byId = new Map(p.nodes.map((n, i) => [n.id, i]));
  const parent = new Map(); p.nodes.forEach((n, i) => (n.children ?? []).forEach((c) => parent.set(c, n.id)));
  const times = []; let t = p.startTime; for (const d of p.timeDeltas) { t += d; times.push(t); }
  const from = p.endTime - tailMs * 1000 - 1_500_000; const to = p.endTime - 1_500_000;
  const self = new Map(), incl = new Map(); let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    if (times[i] < from || times[i] > to) continue;
    const dt = p.timeDeltas[i]; total += dt;
    const k = names[byId.get(p.samples[i])]; self.set(k, (self.get(k) ?? 0) + dt);
    const seen = new Set(); for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) { const nm = names[byId.get(id)]; if (seen.has(nm)) continue; seen.add(nm); incl.set(nm, (incl.get(nm) ?? 0) + dt); }
  }
  console.log(f, 'window ms', (total / 1000).toFixed(0));
  console.log('-- self'); [...self].sort((a, b) => b[1] - a[1]).slice(0, +top).forEach(([k, v]) => console.log((v / 1000).toFixed(1).padStart(8), k));
  console.log('-- inclusive'); [...incl].sort((a, b) => b[1] - a[1]).slice(0, +top).forEach(([k, v]) => console.log((v / 1000).toFixed(1).padStart(8), k));
}
