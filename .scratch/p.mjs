import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const names = p.nodes.map((n) => n.callFrame.functionName + ' ' + n.callFrame.url.split('/').slice(-2).join('/') + ':' + n.callFrame.lineNumber);
const byId = new Map(p.nodes.map((n, i) => [n.id, i])); const parent = new Map(); p.nodes.forEach((n) => (n.children ?? []).forEach((c) => parent.set(c, n.id)));
const self = new Map(), incl = new Map(); let total = 0;
for (let i = 0; i < p.samples.length; i++) { const dt = p.timeDeltas[i]; total += dt; const k = names[byId.get(p.samples[i])]; self.set(k, (self.get(k) ?? 0) + dt);
  const seen = new Set(); for (let id = p.samples[i]; id !== undefined; id = parent.get(id)) { const nm = names[byId.get(id)]; if (seen.has(nm)) continue; seen.add(nm); incl.set(nm, (incl.get(nm) ?? 0) + dt); } }
console.log('total', (total/1000).toFixed(0), 'busy', ((total - (self.get('(idle) :-1') ?? 0))/1000).toFixed(0));
console.log('-- self'); [...self].sort((a, b) => b[1] - a[1]).slice(0, 22).forEach(([k, v]) => console.log((v / 1000).toFixed(1).padStart(8), k));
console.log('-- incl'); [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40).forEach(([k, v]) => console.log((v / 1000).toFixed(1).padStart(8), k));
