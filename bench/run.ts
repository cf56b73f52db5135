// `npm run bench [name ...]`: runs the benchmark suites (all, or those named) and prints their tables.
const suites: Record<string, () => Promise<unknown>> = {
  core: () => import('./core.js'),
  wire: () => import('./wire.js'),
  sync: () => import('./sync.js'),
  rx: () => import('./rx.js'),
  cluster: () => import('./cluster.js'),
  'nats-store': () => import('./nats-store.js'),
  persist: () => import('./persist.js'),
  events: () => import('./events.js'),
  services: () => import('./services.js'),
};

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`unknown bench suite: ${unknown.join(', ')} (suites: ${Object.keys(suites).join(', ')})`);
  process.exit(2);
}
for (const [name, load] of Object.entries(suites)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  const suite = (await load()) as { run(): Promise<void> };
  await suite.run();
}
