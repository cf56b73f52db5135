/**
 * indexedDbPersister in a real Chromium (a persistent profile directory, so IndexedDB survives a
 * reload): a page writes while the hub is down, is reloaded (and sees its last state at once),
 * writes again; a second tab on the same database is its own instance and loses nothing; the hub
 * starts and a Node follower sees every write of both tabs.
 */
import { existsSync, promises as fsp } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Space, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';
import { freePort, waitFor } from '../sync/net-helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '../..');

interface PageState {
  readonly status: string;
  readonly instanceId: string;
  readonly values: Record<string, unknown>;
  readonly errors: string[];
}

let server: Server;
let pageOrigin: string;
let context: BrowserContext | undefined;
let userDataDir: string;
let hub: HubHandle | undefined;
let follower: Link | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM_LAUNCH.executablePath))
    throw new Error("Debian's chromium is missing: apt-get install -y chromium (.ci/run does it as root)");
  const bundle = await build({
    entryPoints: [path.join(here, 'fixtures/persist-page.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  const script = bundle.outputFiles[0].text;
  // The page's own origin, up while the hub is down.
  server = createServer((request, response) => {
    if (request.url?.startsWith('/app.js')) {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      return;
    }
    response
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>persist</title><script type="module" src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  pageOrigin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  userDataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-persist-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, CHROMIUM_LAUNCH);
}, 60_000);

afterEach(async () => {
  await follower?.close();
  await hub?.close();
  follower = undefined;
  hub = undefined;
});

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => server?.close(resolve));
  await fsp.rm(userDataDir, { recursive: true, force: true });
});

async function ready(page: Page): Promise<PageState> {
  await page.waitForFunction(() => (window as unknown as { app?: unknown }).app !== undefined, undefined, { timeout: 20_000 });
  return state(page);
}

function state(page: Page): Promise<PageState> {
  return page.evaluate(() => (window as unknown as { app: { state(): PageState } }).app.state());
}

function write(page: Page, fqn: string, value: unknown): Promise<void> {
  return page.evaluate(
    ([name, v]) => (window as unknown as { app: { write(fqn: string, value: unknown): Promise<void> } }).app.write(name as string, v),
    [fqn, value] as const,
  );
}

test('writes made offline survive a reload and reach a Node follower once the hub starts; two tabs, two instances, nothing lost', async () => {
  const port = await freePort();
  const pageUrl = `${pageOrigin}/?hub=ws://127.0.0.1:${port}`;
  const pageErrors: string[] = [];
  const page = await context!.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(pageUrl);
  expect(await ready(page)).toMatchObject({ status: 'reconnecting', values: {} });
  await write(page, 'todo/a', 'a1');
  await write(page, 'todo/b', 'b1');

  await page.reload();
  const reloaded = await ready(page);
  expect(reloaded).toMatchObject({ status: 'reconnecting', values: { 'todo/a': 'a1', 'todo/b': 'b1' }, errors: [] });
  await write(page, 'todo/a', 'a2');
  await write(page, 'todo/c', 'c1');

  // A second tab on the same database: its own slot (Web Lock), its own instance; it sees the first tab's state.
  const second = await context!.newPage();
  second.on('pageerror', (error) => pageErrors.push(error.message));
  await second.goto(pageUrl);
  expect(await ready(second)).toMatchObject({ values: { 'todo/a': 'a2', 'todo/b': 'b1', 'todo/c': 'c1' } });
  await write(second, 'todo/t2', 'from the second tab');

  hub = await startHub({ port, host: '127.0.0.1', allowedOrigins: [pageOrigin] });
  const space = new Space();
  follower = await connect(hub.url, { space, heartbeat: false });
  await follower.follow('todo.>').synced;
  const valueOf = (fqn: string) => space.resolve(fqn)?.getValue();
  await waitFor(
    () =>
      valueOf('todo/a') === 'a2' &&
      valueOf('todo/b') === 'b1' &&
      valueOf('todo/c') === 'c1' &&
      valueOf('todo/t2') === 'from the second tab',
    'every write of both tabs at the Node follower',
    20_000,
  );
  let [one, two] = [await state(page), await state(second)];
  for (let i = 0; i < 100 && (one.status !== 'open' || two.status !== 'open'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    [one, two] = [await state(page), await state(second)];
  }
  expect([one, two]).toMatchObject([{ status: 'open' }, { status: 'open' }]);
  expect(one.instanceId).not.toBe(two.instanceId);
  expect([...one.errors, ...two.errors, ...pageErrors]).toEqual([]);
}, 90_000);

test('a tab that closed with writes the hub never had: the next tab that opens sends them', async () => {
  const port = await freePort();
  const pageUrl = `${pageOrigin}/?db=closed-tab&hub=ws://127.0.0.1:${port}`;
  const startHubHere = () => startHub({ port, host: '127.0.0.1', allowedOrigins: [pageOrigin] });
  // Both tabs meet the hub once, so that each has an instance id of its own.
  const before = await startHubHere();
  const first = await context!.newPage();
  await first.goto(pageUrl);
  const second = await context!.newPage();
  await second.goto(pageUrl);
  const inStatus = async (page: Page, status: string) => {
    let seen = await ready(page);
    for (let i = 0; i < 200 && seen.status !== status; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      seen = await state(page);
    }
    expect(seen.status).toBe(status);
    return seen;
  };
  const [one, two] = [await inStatus(first, 'open'), await inStatus(second, 'open')];
  expect(one.instanceId).not.toBe(two.instanceId);
  await before.close();
  await inStatus(second, 'reconnecting');
  await write(second, 'todo/second', 'from a tab that closed offline');
  await second.close();
  // The first tab reloads (a new tab would do the same): its own slot, and the closed tab's writes to send.
  await first.reload();
  expect(await ready(first)).toMatchObject({ instanceId: one.instanceId, values: { 'todo/second': 'from a tab that closed offline' } });

  hub = await startHubHere();
  const space = new Space();
  follower = await connect(hub.url, { space, heartbeat: false });
  await follower.follow('todo.>').synced;
  await waitFor(
    () => space.resolve('todo/second')?.getValue() === 'from a tab that closed offline',
    "the closed tab's write at the follower",
    20_000,
  );
  await first.close();
}, 90_000);
