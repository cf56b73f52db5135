/**
 * The inspector's channels list end to end: a real hub, headless Chromium on its page, and a Node
 * client publishing events: each channel shows with its rate, and a selected one its last 20 events.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { Space, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';

let hub: HubHandle;
let browser: Browser;
let link: Link | undefined;

beforeAll(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
  if (!existsSync(CHROMIUM_LAUNCH.executablePath))
    throw new Error("Debian's chromium is missing: apt-get install -y chromium (.ci/run does it as root)");
  browser = await chromium.launch(CHROMIUM_LAUNCH);
}, 60_000);

afterAll(async () => {
  await link?.close();
  await browser?.close();
  await hub?.close();
});

test('channels show with their rate; a selected channel shows its last 20 events', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${hub.httpUrl}/`);
  await page.waitForSelector('body[data-synced=true]', { timeout: 20_000 });
  await page.waitForSelector('#channels', { state: 'attached', timeout: 5_000 });
  link = await connect(hub.url, { space: new Space(), reconnect: false });
  for (let i = 1; i <= 30; i++) link.publish('logs.api/info', { line: i });
  await link.publish('logs.db/warn', 'slow');
  const item = '#channels li[data-channel="logs.api/info"]';
  await page.waitForSelector(item, { timeout: 5_000 });
  expect(await page.textContent(item)).toMatch(/^logs\.api\/info · \d+\.\d\/s · 30 events$/);
  expect(await page.textContent('#channels li[data-channel="logs.db/warn"]')).toContain('1 events');
  await page.click(item);
  await page.waitForFunction(() => document.querySelectorAll('#channel-events li').length === 20, undefined, { timeout: 5_000 });
  const lines = await page.$$eval('#channel-events li', (items) => items.map((li) => li.textContent ?? ''));
  expect(lines[0]).toMatch(/^#11 /);
  expect(lines[19]).toContain('{"line":30}');
  expect(problems).toEqual([]);
  await page.close();
});
