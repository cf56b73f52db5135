/**
 * Runs the one conformance suite (cases.ts) unchanged on three runtimes and checks every case:
 * - node: this process, the Node entry (src/index.ts), links over `ws` to a real hub;
 * - worker: a `worker_threads` Worker whose links reach a `Hub` in this thread over `MessagePort`s;
 * - chromium: headless Debian Chromium (playwright-core) loading the self-contained browser
 *   bundle and the cases, linked to the hub over the browser's native `WebSocket`.
 * The runtime × cases table is printed at the end and written to
 * `<os.tmpdir()>/varspace-conformance.json`.
 */
import { build } from 'esbuild';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { chromium, type Browser } from 'playwright-core';
import * as browserApi from '../../src/browser.js';
import * as nodeApi from '../../src/index.js';
import * as publicApi from '../../src/public.js';
import { cases, runCases, type CaseResult } from './cases.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..', '..');

const results = new Map<string, CaseResult[]>();

function expectPassed(runtime: string, name: string): void {
  const result = results.get(runtime)?.find((r) => r.name === name);
  const loadFailure = results.get(runtime)?.find((r) => r.group === 'load');
  if (!result)
    throw new Error(`${runtime}: no result for "${name}" (the run failed before it${loadFailure ? `: ${loadFailure.error}` : ''})`);
  if (!result.passed) throw new Error(`${runtime}: ${result.error}`);
}

afterAll(() => {
  const runtimes = [...results.keys()];
  const lines = ['| runtime | cases passed |', '|---|---|'];
  for (const runtime of runtimes) {
    const list = results.get(runtime)!;
    lines.push(`| ${runtime} | ${list.filter((r) => r.passed).length} / ${cases.length} |`);
  }
  const table = lines.join('\n');
  writeFileSync(path.join(os.tmpdir(), 'varspace-conformance.json'), JSON.stringify(Object.fromEntries(results), null, 2));
  // The README's runtime × cases table.
  console.log(`conformance: runtime × cases\n${table}`);
});

test('the suite has at least 25 cases over names, intern, resolve, defonce, await, patterns, vars$, validators, ref$, follow$, link', () => {
  expect(cases.length).toBeGreaterThanOrEqual(25);
  const groups = new Set(cases.map((c) => c.group));
  for (const group of ['names', 'intern', 'resolve', 'defonce', 'await', 'patterns', 'vars$', 'validators', 'ref$', 'follow$', 'link']) {
    expect(groups).toContain(group);
  }
  expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
});

/** Modules only a Node process may load: the hub (a server), `ws`, the Node `connect`. */
const NODE_ONLY = /^\.\/(hub\/|transport\/ws-node\.js$|sync\/connect-node\.js$|sync\/file-persister\.js$)/;

/** The modules an entry file names, and how many `export *` it has from each. */
function entryImports(file: string): { from: string[]; exportStar: string[] } {
  const text = readFileSync(path.join(root, 'src', file), 'utf8');
  return {
    from: [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]),
    exportStar: [...text.matchAll(/export \* from '([^']+)'/g)].map((m) => m[1]),
  };
}

test('both entries export the shared list (src/public.ts) and only their own additions: Node its server parts', () => {
  const shared = Object.keys(publicApi);
  expect(shared).toEqual(expect.arrayContaining(['Space', 'Var', 'Link', 'VarspaceError', 'webSocketTransport']));
  expect(Object.keys(browserApi).sort()).toEqual([...shared, 'connect', 'indexedDbPersister'].sort());
  const nodeOwn = Object.keys(nodeApi).filter((name) => !shared.includes(name));
  expect(nodeOwn).toEqual(
    expect.arrayContaining(['connect', 'startHub', 'Hub', 'connectWs', 'wsServerTransport', 'fileStore', 'filePersister']),
  );
  expect(browserApi.connect).not.toBe(nodeApi.connect);
  // public.ts is the explicit list: no `export *`, nothing Node-only.
  const list = entryImports('public.ts');
  expect(list.exportStar).toEqual([]);
  expect(list.from.filter((from) => NODE_ONLY.test(from))).toEqual([]);
  // The entries add only their own: anything both runtimes can load belongs in public.ts.
  for (const entry of ['index.ts', 'browser.ts']) expect(entryImports(entry).exportStar).toEqual(['./public.js']);
  expect(entryImports('index.ts').from.filter((from) => from !== './public.js' && !NODE_ONLY.test(from))).toEqual([]);
  expect(entryImports('browser.ts').from.filter((from) => from !== './public.js')).toEqual([
    './sync/connect.js',
    './sync/indexed-db-persister.js',
  ]);
});

describe('node', () => {
  let hub: nodeApi.HubHandle;
  beforeAll(async () => {
    hub = await nodeApi.startHub({ port: 0, host: '127.0.0.1' });
    results.set('node', await runCases({ api: nodeApi, runtime: 'node', hubUrl: hub.url }));
  }, 120_000);
  afterAll(() => hub?.close());

  test.each(cases.map((c) => c.name))('%s', (name) => expectPassed('node', name));
});

describe('worker_threads Worker over MessagePort', () => {
  let hub: nodeApi.Hub;
  let worker: Worker | undefined;
  beforeAll(async () => {
    hub = new nodeApi.Hub();
    const { port1: control, port2: workerControl } = new MessageChannel();
    worker = new Worker(path.join(here, 'worker-boot.mjs'), { workerData: { control: workerControl }, transferList: [workerControl] });
    const done = new Promise<CaseResult[]>((resolve, reject) => {
      worker!.once('error', reject);
      worker!.once('exit', (code) => reject(new Error(`the worker exited (${code}) before sending results`)));
      control.on('message', (message: { type: string; id?: number; results?: CaseResult[] }) => {
        if (message.type === 'port-request') {
          const { port1, port2 } = new MessageChannel();
          hub.accept(nodeApi.messagePortTransport(port1));
          control.postMessage({ type: 'port', id: message.id, port: port2 }, [port2 as MessagePort]);
        } else if (message.type === 'results') {
          resolve(message.results!);
        }
      });
    });
    try {
      results.set('worker', await done);
    } finally {
      control.close();
    }
  }, 120_000);
  afterAll(async () => {
    await worker?.terminate();
    await hub?.close();
  });

  test.each(cases.map((c) => c.name))('%s', (name) => expectPassed('worker', name));
});

describe('headless Chromium over the native WebSocket', () => {
  let hub: nodeApi.HubHandle;
  let browser: Browser | undefined;
  beforeAll(async () => {
    hub = await nodeApi.startHub({ port: 0, host: '127.0.0.1' });
    const casesBundle = await build({
      entryPoints: [path.join(here, 'cases.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      write: false,
      logLevel: 'silent',
      absWorkingDir: root,
    });
    if (!existsSync(CHROMIUM_LAUNCH.executablePath))
      throw new Error("Debian's chromium is missing: apt-get install -y chromium (.ci/run does it as root)");
    browser = await chromium.launch(CHROMIUM_LAUNCH);
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    // A document from the hub's own origin (so the hub's default origin check lets the
    // WebSocket in); the page then loads the self-contained bundle the hub serves, and the
    // cases (bundled with esbuild, no imports left) from a blob: URL.
    await page.goto(`${hub.httpUrl}/health`);
    await page.evaluate(CONFORMANCE_RUNNER, { casesSource: casesBundle.outputFiles[0].text, hubUrl: hub.url });
    const handle = await page.waitForFunction(() => (window as { conformanceResults?: unknown }).conformanceResults, undefined, {
      timeout: 100_000,
    });
    const list = (await handle.jsonValue()) as CaseResult[];
    if (pageErrors.length > 0) throw new Error(`errors in the page: ${pageErrors.join('; ')}`);
    results.set('chromium', list);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  });

  test.each(cases.map((c) => c.name))('%s', (name) => expectPassed('chromium', name));
});

/** Runs in the page: imports the bundle from the hub and the cases from source text, runs them. */
const CONFORMANCE_RUNNER = ({ casesSource, hubUrl }: { casesSource: string; hubUrl: string }) => {
  const casesUrl = URL.createObjectURL(new Blob([casesSource], { type: 'text/javascript' }));
  const running = Promise.all([import('/varspace.js' as string), import(casesUrl)]).then(([api, suite]) =>
    suite.runCases({ api, runtime: 'chromium', hubUrl }),
  );
  running.then(
    (list: unknown) => ((window as { conformanceResults?: unknown }).conformanceResults = list),
    (error: Error) =>
      ((window as { conformanceResults?: unknown }).conformanceResults = [
        { group: 'load', name: 'load', passed: false, ms: 0, error: String(error?.stack ?? error) },
      ]),
  );
};
