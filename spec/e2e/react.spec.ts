/**
 * The React entry in a real browser: a small React app (spec/e2e/fixtures/react-app.ts, bundled
 * here with esbuild: React and react-dom from node_modules, the React entry as `npm run build`
 * built it, dist/browser/react.js, and the library from the hub's /varspace.js) runs in headless
 * Debian Chromium (playwright-core), served by a real hub on 127.0.0.1 (its `serve` option) beside
 * Node links writing and following through the same hub.
 */
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Space, connect, type HubHandle, type Link } from '../../src/index.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';
import { loopbackHub } from '../support/loopback-hub.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const PAGE = '<!doctype html><meta charset="utf-8"><div id="root"></div><script type="module" src="/react-app.js"></script>';

const opened: { close(): unknown }[] = [];
let hub: HubHandle;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

/** The app's bundle: the library stays the hub's /varspace.js, the React entry is the built one. */
async function appBundle(): Promise<string> {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['spec/e2e/fixtures/react-app.ts'],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [
      {
        name: 'built-entries',
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /src\/browser\.js$|^varspace$/ }, () => ({ path: '/varspace.js', external: true }));
          pluginBuild.onResolve({ filter: /src\/react\/index\.js$/ }, () => ({ path: `${root}dist/browser/react.js` }));
        },
      },
    ],
  });
  return result.outputFiles[0].text;
}

async function nodeLink(appName: string): Promise<Link> {
  const link = await connect(hub.url, { space: new Space(), attributes: { processType: 'node', appName }, reconnect: false });
  opened.push(link);
  return link;
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const text = (selector: string) => page.textContent(selector);
const renders = () => page.evaluate(() => ({ ...(window as unknown as { renders: Record<string, number> }).renders }));
const waitForText = (selector: string, expected: string) =>
  page.waitForFunction(([s, e]) => document.querySelector(s)?.textContent === e, [selector, expected] as const, { timeout: 10_000 });

let writer: Link;

beforeAll(async () => {
  if (!existsSync(`${root}dist/browser/react.js`)) throw new Error('dist/browser/react.js is missing: run `npm run build`');
  const app = await appBundle();
  hub = await loopbackHub(opened, {
    serve: (path, response) => {
      if (path !== '/react/' && path !== '/react-app.js') return false;
      response.writeHead(200, { 'content-type': path === '/react/' ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8' });
      response.end(path === '/react/' ? PAGE : app);
      return true;
    },
  });
  writer = await nodeLink('react-e2e-writer');
  writer.space.intern('e2e.react/a', 1);
  writer.space.intern('e2e.react/b', 10);
  writer.space.intern('e2e.react/title', 'hello');
  await writer.sync('e2e.react.>').synced;
  if (!existsSync(CHROMIUM_LAUNCH.executablePath))
    throw new Error("Debian's chromium is missing: apt-get install -y chromium (.ci/run does it as root)");
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${hub.httpUrl}/react/`);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  for (const item of opened.splice(0).reverse()) await item.close();
});

test('renders the vars with useVar, useRef$, the link status and the presence of the writer', async () => {
  await waitForText('#a .value', '1');
  await waitForText('#b .value', '10');
  await waitForText('#title', 'hello');
  await waitForText('#status', 'open');
  await waitForText('#writers', '1');
  expect(pageErrors).toEqual([]);
});

test("follows a Node writer's live updates; an update of one var renders only the component that reads it", async () => {
  await waitForText('#b .value', '10');
  const before = await renders();
  const b = writer.space.resolve<number>('e2e.react/b')!;
  for (let i = 11; i <= 15; i++) {
    b.reset(i);
    await waitForText('#b .value', String(i));
  }
  const after = await renders();
  expect(after.b).toBeGreaterThan(before.b);
  // Nothing else rendered: not the other field, nor the title, the status or the presence list.
  expect({ ...after, b: 0 }).toEqual({ ...before, b: 0 });
  expect(pageErrors).toEqual([]);
});

test("writes back: the page's set reaches a Node follower, tagged with the page's instance id", async () => {
  const follower = await nodeLink('react-e2e-follower');
  await follower.follow('e2e.react.>').synced;
  const a = follower.space.resolve<number>('e2e.react/a')!;
  expect(a.getValue()).toBe(1);
  const origins: (string | undefined)[] = [];
  a.changes$.subscribe((change) => origins.push(change.origin));
  const before = await renders();
  await page.click('#a button');
  await waitForText('#a .value', '2');
  await waitUntil(() => a.getValue() === 2, 'the follower sees the page write');
  const pageId = await page.evaluate(() => (window as unknown as { instanceId: string }).instanceId);
  expect(origins).toContain(pageId);
  await waitUntil(() => writer.space.resolve('e2e.react/a')?.getValue() === 2, 'the writer sees it too');
  const after = await renders();
  expect({ ...after, a: 0 }).toEqual({ ...before, a: 0 });
  expect(pageErrors).toEqual([]);
});

test('useInstances follows leaves; useLinkStatus follows the link', async () => {
  await waitForText('#writers', '1');
  await writer.close();
  await waitForText('#writers', '0');
  await hub.close();
  await page.waitForFunction(() => document.querySelector('#status')?.textContent !== 'open', undefined, { timeout: 10_000 });
  expect(await text('#status')).toMatch(/reconnecting|closed/);
  expect(pageErrors).toEqual([]);
});
