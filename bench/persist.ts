// Benchmarks of persistence (issue 17): hydrating 10,000 vars before `connect` resolves, from
// IndexedDB in Chromium beside TinyBase's IndexedDB persister loading the same values in the same
// page, and from filePersister in Node beside TinyBase's file persister; and the cost of
// persisting on the write path (shared writes/s with and without `persist`, through a hub in this
// process). Every figure is the median of interleaved runs, with their range.
import { existsSync, promises as fsp } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { createStore } from 'tinybase';
import { createFilePersister } from 'tinybase/persisters/persister-file';
import { ClosedError, Space, connect, filePersister, startHub, type PersistedVar } from '../dist/index.js';
import { CHROMIUM_LAUNCH } from '../spec/support/chromium.js';
import { medians, printTable, type BenchRow } from './table.js';

const VARS = 10_000;
const RUNS = 5;
const WRITES = 50_000;
const PER_TURN = 500;
const here = path.dirname(fileURLToPath(import.meta.url));
const fqnOf = (i: number) => `bench.g${i % 100}/v${i}`;
const valueOf = (i: number) => ({ i, at: 1_700_000_000_000 + i, note: 'y'.repeat(60) });
const unreachable = () => Promise.reject(new ClosedError('no hub in this bench'));

async function chromiumHydrate(): Promise<{ values: number[]; baselines: number[] }> {
  if (!existsSync(CHROMIUM_LAUNCH.executablePath)) throw new Error("Debian's chromium is missing");
  const bundle = await build({
    entryPoints: [path.join(here, 'persist/page.ts')],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    absWorkingDir: path.join(here, '..'),
  });
  const script = bundle.outputFiles[0].text;
  const server = createServer((request, response) => {
    if (request.url === '/app.js') response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    else response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    await page.waitForFunction(() => (window as unknown as { bench?: unknown }).bench !== undefined);
    return await page.evaluate(
      ([vars, runs]) =>
        (window as unknown as { bench(vars: number, runs: number): Promise<{ values: number[]; baselines: number[] }> }).bench(vars, runs),
      [VARS, RUNS] as const,
    );
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function nodeHydrate(dir: string): Promise<{ values: number[]; baselines: number[] }> {
  const persister = filePersister(path.join(dir, 'varspace'));
  await persister.load();
  const held: PersistedVar[] = [];
  for (let i = 0; i < VARS; i++)
    held.push({
      fqn: fqnOf(i),
      value: valueOf(i),
      stamp: `0190${i.toString(16).padStart(12, '0')}`,
      from: 'writer',
      rev: i + 1,
      deleted: false,
    });
  await persister.save({ vars: held, meta: { format: 1, instanceId: '', token: '', epoch: 'e', hubId: '', follows: { 'bench.>': VARS } } });
  await persister.close();
  const store = createStore();
  for (let i = 0; i < VARS; i++) store.setRow('vars', fqnOf(i), valueOf(i));
  const tinybaseFile = path.join(dir, 'tinybase.json');
  const saver = createFilePersister(store, tinybaseFile);
  await saver.save();
  await saver.destroy();

  const varspace = async () => {
    const space = new Space();
    const start = performance.now();
    const link = await connect(unreachable, {
      space,
      persist: filePersister(path.join(dir, 'varspace')),
      offline: true,
      reconnect: { initialDelayMs: 60_000 },
    });
    const ms = performance.now() - start;
    if (space.match('bench.>').length !== VARS) throw new Error('varspace hydrated the wrong count');
    await link.close();
    return ms;
  };
  const tinybase = async () => {
    const loaded = createStore();
    const start = performance.now();
    const loader = createFilePersister(loaded, tinybaseFile);
    await loader.load();
    const ms = performance.now() - start;
    if (loaded.getRowCount('vars') !== VARS) throw new Error('TinyBase loaded the wrong count');
    await loader.destroy();
    return ms;
  };
  const values: number[] = [];
  const baselines: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    if (run % 2 === 0) baselines.push(await tinybase());
    values.push(await varspace());
    if (run % 2 === 1) baselines.push(await tinybase());
  }
  return { values, baselines };
}

/** Shared writes/s of one link (PER_TURN writes of distinct vars per event-loop turn) until the hub confirmed them all (and, with persist, until persisted). */
async function writesPerSecond(url: string, dir: string | undefined): Promise<number> {
  const space = new Space();
  const link = await connect(url, { space, heartbeat: false, ...(dir ? { persist: filePersister(dir) } : {}) });
  link.share('w.>');
  const vars = Array.from({ length: 5_000 }, (_, i) => space.intern(`w.g${i % 50}/v${i}`, 0));
  await link.ping();
  const start = performance.now();
  for (let n = 0; n < WRITES;) {
    for (let k = 0; k < PER_TURN; k++, n++) vars[n % vars.length].next(n);
    await new Promise((resolve) => setImmediate(resolve));
  }
  await link.ping();
  await link.persisted();
  const seconds = (performance.now() - start) / 1000;
  await link.close();
  return WRITES / seconds;
}

export async function run(): Promise<void> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-bench-persist-'));
  const hub = await startHub({ port: 0, host: '127.0.0.1' });
  try {
    const rows: BenchRow[] = [];
    const browser = await chromiumHydrate();
    const inBrowser = medians(browser.values, browser.baselines);
    rows.push({
      what: `hydrate ${VARS.toLocaleString('en-US')} vars from IndexedDB, Chromium (until connect resolves)`,
      ...inBrowser,
      unit: 'ms',
      baselineName: "TinyBase's IndexedDB persister load",
      higherIsBetter: false,
      goal: '≤ 1× TinyBase',
      met: inBrowser.value <= inBrowser.baseline,
    });
    const file = await nodeHydrate(dir);
    rows.push({
      what: `hydrate ${VARS.toLocaleString('en-US')} vars from filePersister, Node`,
      ...medians(file.values, file.baselines),
      unit: 'ms',
      baselineName: "TinyBase's file persister load",
      higherIsBetter: false,
    });
    const withPersist: number[] = [];
    const without: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      if (run % 2 === 0) without.push(await writesPerSecond(hub.url, undefined));
      withPersist.push(await writesPerSecond(hub.url, path.join(dir, `writes-${run}`)));
      if (run % 2 === 1) without.push(await writesPerSecond(hub.url, undefined));
    }
    const writes = medians(withPersist, without);
    rows.push({
      what: `shared writes/s with filePersister (${PER_TURN} writes a turn, until confirmed and persisted)`,
      ...writes,
      unit: 'writes/s',
      baselineName: 'without persist',
      goal: '≥ 0.5×',
      met: writes.value >= 0.5 * writes.baseline,
    });
    printTable('persist: hydrating before connect resolves, and the write path', rows);
  } finally {
    await hub.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
}
