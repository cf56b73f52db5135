/**
 * examples/offline-todo in a real browser: the page `varspace demo` serves (`serveExamples`),
 * in headless Debian Chromium with a persistent profile (real IndexedDB, a real service worker),
 * against a real hub that stops and starts again on the same port; a Node follower checks that
 * every todo arrives.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Space, ValidationError, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import { serveExamples } from '../../src/hub/inspector/serve-examples.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';

test('the demo hub serves the example page and its files (or says to build)', async () => {
  const opened: HubHandle[] = [];
  try {
    const hub = await startHub({ port: 0, host: '127.0.0.1', serve: serveExamples });
    opened.push(hub);
    const page = await fetch(`${hub.httpUrl}/examples/offline-todo/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('/examples/offline-todo/app.js');
    for (const file of ['app.js', 'sw.js']) {
      const response = await fetch(`${hub.httpUrl}/examples/offline-todo/${file}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/javascript/);
    }
    expect((await fetch(`${hub.httpUrl}/examples/nothing`)).status).toBe(404);
    const plain = await startHub({ port: 0, host: '127.0.0.1' });
    opened.push(plain);
    expect((await fetch(`${plain.httpUrl}/examples/offline-todo/`)).status).toBe(404); // only when asked (varspace demo)
    await expect(startHub({ port: 0, serve: 'dist/browser' as never })).rejects.toThrow(ValidationError);
  } finally {
    for (const hub of opened) await hub.close();
  }
});

describe('offline-todo', () => {
  let hub: HubHandle | undefined;
  let port = 0;
  let profile: string;
  let context: BrowserContext;
  let page: Page;
  const links: Link[] = [];
  const pageErrors: string[] = [];

  const startOn = async (at: number) => (hub = await startHub({ port: at, host: '127.0.0.1', serve: serveExamples }));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM_LAUNCH.executablePath))
      throw new Error("Debian's chromium is missing: apt-get install -y chromium (.ci/run does it as root)");
    await startOn(0);
    port = hub!.port;
    profile = await mkdtemp(join(tmpdir(), 'varspace-offline-todo-'));
    context = await chromium.launchPersistentContext(profile, CHROMIUM_LAUNCH);
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);

  afterAll(async () => {
    for (const link of links.splice(0)) await link.close();
    await context?.close();
    await hub?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  async function follower(): Promise<Link> {
    const link = await connect(hub!.url, { space: new Space(), attributes: { appName: 'todo-follower' }, reconnect: false });
    links.push(link);
    await link.follow('todos.>').synced;
    return link;
  }

  const texts = (link: Link) =>
    link.space
      .match('todos.items/*')
      .map((item) => (item.getValue() as { text: string } | undefined)?.text)
      .filter((text) => text !== undefined)
      .sort();

  async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function add(text: string): Promise<void> {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    await page.waitForFunction((t) => Array.from(document.querySelectorAll('#list li span')).some((s) => s.textContent === t), text, {
      timeout: 10_000,
    });
    // Stored in IndexedDB (the page says so), so that a reload right after cannot lose it.
    await page.waitForSelector('body[data-saved=true]', { timeout: 10_000 });
  }

  const listed = () => page.$$eval('#list li span', (spans) => spans.map((span) => span.textContent).sort());

  test('online: a todo added in the page reaches a Node follower', async () => {
    await page.goto(`http://127.0.0.1:${port}/examples/offline-todo/`);
    await page.waitForSelector('body[data-ready=true]', { timeout: 20_000 });
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'online', undefined, { timeout: 10_000 });
    await add('buy milk');
    const link = await follower();
    await waitUntil(() => texts(link).includes('buy milk'), 'the follower sees the todo');
    // The service worker holds the page's files before the hub goes away.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
    await link.close();
    expect(pageErrors).toEqual([]);
  });

  test('offline: the page keeps working, survives a reload with the hub down, and every todo arrives when it is back', async () => {
    await hub!.close();
    hub = undefined;
    await page.waitForFunction(() => document.querySelector('#status')?.textContent !== 'online', undefined, { timeout: 10_000 });
    await add('written offline');
    await page.reload();
    await page.waitForSelector('body[data-ready=true]', { timeout: 20_000 });
    // Opened from IndexedDB with the hub down.
    expect(await listed()).toEqual(['buy milk', 'written offline']);
    await add('after the reload');
    await startOn(port);
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'online', undefined, { timeout: 20_000 });
    const link = await follower();
    await waitUntil(() => texts(link).length === 3, 'the follower sees the three todos');
    expect(texts(link)).toEqual(['after the reload', 'buy milk', 'written offline']);
    expect(pageErrors).toEqual([]);
  }, 60_000);
});
