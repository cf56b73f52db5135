/**
 * The inspector's pictures end to end: a real hub on 127.0.0.1 (port 0) serves the page, headless
 * Debian Chromium (playwright-core) opens it, and a Node client writes through the same hub. A
 * numeric var gets a sparkline of its recent values; the hub's traffic chart draws its messages
 * per second from `GET /stats`. Screenshots go to the OS temp folder (printed).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Space, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';

let hub: HubHandle;
let browser: Browser;
let writer: Link;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
  if (!existsSync(CHROMIUM_LAUNCH.executablePath))
    throw new Error("Debian's chromium is missing: apt-get install -y chromium (.ci/run does it as root)");
  browser = await chromium.launch(CHROMIUM_LAUNCH);
  writer = await connect(hub.url, { space: new Space(), attributes: { processType: 'node', appName: 'e2e-pictures' }, reconnect: false });
  writer.share('e2e.pictures.>');
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${hub.httpUrl}/`);
  await page.waitForSelector('body[data-synced=true]', { timeout: 20_000 });
}, 60_000);

afterAll(async () => {
  await page?.close();
  await writer?.close();
  await browser?.close();
  await hub?.close();
});

afterEach(() => expect(problems).toEqual([]));

const spark = (fqn: string) => `.row.var[data-fqn="${fqn}"] svg.spark`;

/** The sparkline's point count and its polyline's points, as the page has them now. */
function sparkState(fqn: string): Promise<{ count: string | undefined; points: string | null }> {
  return page.evaluate((selector) => {
    const svg = document.querySelector<SVGSVGElement>(selector);
    return { count: svg?.dataset.points, points: svg?.querySelector('polyline')?.getAttribute('points') ?? null };
  }, spark(fqn));
}

test('a numeric var gets a sparkline whose points follow what a Node writer writes; a text var gets none', async () => {
  const temperature = writer.space.intern('e2e.pictures/temperature', 20);
  writer.space.intern('e2e.pictures/label', 'hello');
  await page.waitForSelector(spark('e2e.pictures/temperature'), { timeout: 5000 });
  await page.waitForFunction(
    (selector) => document.querySelector<SVGSVGElement>(selector)?.dataset.points === '1',
    spark('e2e.pictures/temperature'),
    {
      timeout: 5000,
    },
  );
  const seen = new Set<string>([(await sparkState('e2e.pictures/temperature')).points ?? '']);
  for (const [i, value] of [21, 25, 18, 30].entries()) {
    temperature.reset(value);
    await page.waitForFunction(
      ([selector, count]) => document.querySelector<SVGSVGElement>(selector)?.dataset.points === count,
      [spark('e2e.pictures/temperature'), String(i + 2)] as const,
      { timeout: 5000 },
    );
    seen.add((await sparkState('e2e.pictures/temperature')).points ?? '');
  }
  // Every write moved the line: five different drawings, the last one through five points.
  expect(seen.size).toBe(5);
  const last = (await sparkState('e2e.pictures/temperature')).points!.split(' ').map((point) => point.split(',').map(Number));
  expect(last).toHaveLength(5);
  const ys = last.map(([, y]) => y);
  // The highest value (30, last) is at the top, the lowest (18) at the bottom.
  expect(ys[4]).toBe(Math.min(...ys));
  expect(ys[3]).toBe(Math.max(...ys));
  expect(await sparkState('e2e.pictures/label')).toEqual({ count: '0', points: '' });
  const shot = path.join(os.tmpdir(), 'varspace-inspector-sparkline.png');
  await page.screenshot({ path: shot });
  console.log(`inspector screenshot: ${shot}`);
});

/**
 * The drawn area of a series, in the chart's units (the middle line is at 40): its highest and
 * lowest point, and its greatest thickness (its upper edge runs left to right, then its lower
 * edge back).
 */
function seriesShape(series: string): Promise<{ top: number; bottom: number; thickness: number }> {
  return page.evaluate((name) => {
    const d = document.querySelector(`#traffic path[data-series="${name}"]`)?.getAttribute('d') ?? '';
    const ys = [...d.matchAll(/[\d.]+,([\d.]+)/g)].map((match) => Number(match[1]));
    const upper = ys.slice(0, ys.length / 2);
    const lower = ys.slice(ys.length / 2).reverse();
    return { top: Math.min(...ys), bottom: Math.max(...ys), thickness: Math.max(...upper.map((y, i) => Math.abs(lower[i] - y))) };
  }, series);
}

test('the traffic chart draws the hub’s messages per second in (above the line) and out (below) after a few seconds of writes', async () => {
  const ticker = writer.space.intern('e2e.pictures/ticker', 0);
  const chartPoints = () => page.evaluate(() => Number(document.querySelector<SVGSVGElement>('#traffic svg')?.dataset.points ?? 0));
  const before = await chartPoints();
  const timer = setInterval(() => ticker.reset(ticker.getValue() + 1), 40);
  try {
    // Three readings of the hub's counters (one a second) taken while the writer writes.
    await page.waitForFunction(
      (count) =>
        Number(document.querySelector<SVGSVGElement>('#traffic svg')?.dataset.points ?? 0) >= count &&
        /^in [1-9]/.test(document.querySelector('#traffic .caption')?.textContent ?? ''),
      before + 3,
      { timeout: 15_000 },
    );
  } finally {
    clearInterval(timer);
  }
  const incoming = await seriesShape('in-state');
  const outgoing = await seriesShape('out-state');
  // The writer's messages, stacked up from the line; the same writes routed to the page, down from it.
  expect(incoming).toEqual({ top: expect.any(Number), bottom: 40, thickness: expect.any(Number) });
  expect(incoming.top).toBeLessThan(40);
  expect(incoming.thickness).toBeGreaterThan(0);
  expect(outgoing).toEqual({ top: 40, bottom: expect.any(Number), thickness: expect.any(Number) });
  expect(outgoing.bottom).toBeGreaterThan(40);
  // Nobody published events or made requests: those layers have no thickness.
  for (const series of ['in-events', 'in-requests', 'out-events', 'out-requests']) expect((await seriesShape(series)).thickness).toBe(0);
  const key = await page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('#traffic .kind'))
      .filter((swatch) => !swatch.hidden)
      .map((swatch) => swatch.dataset.kind),
  );
  expect(key).toContain('state');
  expect(await page.textContent('#traffic .caption')).toMatch(/^in [\d.,]+\/s.* · out [\d.,]+\/s.* · peak [\d.,]+\/s$/);
  const shot = path.join(os.tmpdir(), 'varspace-inspector-traffic.png');
  await page.screenshot({ path: shot });
  console.log(`inspector screenshot: ${shot}`);
});
