import { readFileSync } from 'node:fs';
const load = (f) => JSON.parse(readFileSync(f, 'utf8'));
const a = load('/tmp/idle/a.heapsnapshot'), b = load('/tmp/idle/b.heapsnapshot');
const N = 2000;
const fa = a.snapshot.meta.node_fields.length;
const idsA = new Set(); for (let i = 0; i < a.nodes.length; i += fa) idsA.add(a.nodes[i + 2]);
const m = b.snapshot.meta; const nf = m.node_fields.length, ef = m.edge_fields.length;
const ntypes = m.node_types[0], etypes = m.edge_types[0];
const nodes = b.nodes, edges = b.edges, S = b.strings;
const count = nodes.length / nf;
const firstEdge = new Uint32Array(count + 1);
for (let i = 0, e = 0; i < count; i++) { firstEdge[i] = e; e += nodes[i * nf + 4] * ef; } firstEdge[count] = edges.length;
const ret = new Map(); // node index -> [retainer idx, edge name]
for (let i = 0; i < count; i++) for (let e = firstEdge[i]; e < firstEdge[i + 1]; e += ef) {
  const to = edges[e + 2] / nf; const et = etypes[edges[e]];
  if (et === 'weak' || et === 'shortcut') continue;
  if (!ret.has(to)) ret.set(to, []);
  const r = ret.get(to); if (r.length < 3) r.push([i, et === 'element' || et === 'hidden' ? '[' + edges[e + 1] + ']' : S[edges[e + 1]]]);
}
const name = (i) => ntypes[nodes[i * nf]] + ':' + (ntypes[nodes[i * nf]].includes('string') ? JSON.stringify(S[nodes[i*nf+1]].slice(0,30)) : S[nodes[i * nf + 1]].slice(0, 40));
const want = process.argv.slice(2);
const agg = new Map();
for (let i = 0; i < count; i++) {
  if (idsA.has(nodes[i * nf + 2])) continue;
  const t = ntypes[nodes[i * nf]]; const nm = t + ':' + (t.includes('string') ? '' : S[nodes[i * nf + 1]]);
  if (!want.includes(nm)) continue;
  const rs = (ret.get(i) ?? []).map(([r, e]) => name(r) + '.' + e).join(' | ');
  const key = nm + '  <-  ' + rs.replace(/\[\d+\]/g, '[]').replace(/"[^"]*"/g, 's');
  const x = agg.get(key) ?? [0, 0]; x[0] += nodes[i * nf + 3]; x[1]++; agg.set(key, x);
}
[...agg].sort((x, y) => y[1][0] - x[1][0]).slice(0, 40).forEach(([k, [s, c]]) => console.log((s / N).toFixed(1).padStart(7), (c / N).toFixed(2).padStart(6), k.slice(0, 230)));
// second level for Map tables
const agg2 = new Map();
for (let i = 0; i < count; i++) {
  if (idsA.has(nodes[i * nf + 2])) continue;
  if (ntypes[nodes[i * nf]] !== 'array' || (S[nodes[i * nf + 1]] !== '' && S[nodes[i * nf + 1]] !== '(object elements)')) continue;
  const r1 = (ret.get(i) ?? [])[0]; if (!r1 || !(name(r1[0]).startsWith('object:Map') || name(r1[0]).startsWith('object:Array'))) continue;
  const r2 = (ret.get(r1[0]) ?? []).map(([r, e]) => name(r) + '.' + e).join(' | ');
  const key = r2.replace(/\[\d+\]/g, '[]'); const sz = nodes[i * nf + 3];
  const x = agg2.get(key) ?? [0, 0, 0]; x[0] += sz; x[1]++; x[2] = Math.max(x[2], sz); agg2.set(key, x);
}
console.log('--- Map tables by holder');
[...agg2].sort((x, y) => y[1][0] - x[1][0]).slice(0, 15).forEach(([k, [s, c, mx]]) => console.log((s / N).toFixed(1).padStart(7), (c / N).toFixed(2).padStart(6), mx, k.slice(0, 200)));
