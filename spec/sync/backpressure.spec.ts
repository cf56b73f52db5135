// Backpressure through real sockets: a slow reader gets the latest value per var (coalesced), on
// the hub and in the link, instead of an unbounded queue; it ends with the final values.
import v8 from 'node:v8';
import vm from 'node:vm';
import { Space, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import type { Session } from '../../src/hub/session.js';
import { TcpProxy, waitFor } from './net-helpers.js';

const VARS = 10;
const UPDATES = 100_000;
const PAD = 'x'.repeat(100);
/** The hub's own rate limit would drop frames of a writer this fast: not what is measured here. */
const NO_RATE_LIMIT = { messagesPerSecond: 1e9, burst: 1e9 };

/** `global.gc` when the process has it; else turned on at run time (V8 allows it), else nothing. */
const gc: () => void = (() => {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return () => {};
  }
})();

function memory(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

let hub: HubHandle;
const links: Link[] = [];
const proxies: TcpProxy[] = [];

beforeEach(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1', limits: NO_RATE_LIMIT });
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await hub.close();
});

async function client(url: string) {
  const space = new Space();
  const link = await connect(url, { space, reconnect: { initialDelayMs: 5, maxDelayMs: 40 } });
  links.push(link);
  return { space, link };
}

function sessionOf(link: Link): Session {
  const sessions = (hub.hub as unknown as { sessions: Set<Session> }).sessions;
  const session = [...sessions].find((s) => s.id === link.instanceId);
  if (!session) throw new Error(`no hub session for ${link.instanceId}`);
  return session;
}

/** Queued state entries of an outbox (one per var at most, when coalescing works). */
const queuedState = (outbox: unknown) => (outbox as { state: Map<string, unknown> }).state.size;
const queuedControl = (outbox: unknown) => (outbox as { control: string[] }).control.length;

/** Writes UPDATES values to VARS vars, VARS per macrotask (so the writer's link sends each). */
async function writeStream(space: Space, sample: () => void): Promise<void> {
  const vars = Array.from({ length: VARS }, (_, i) => space.resolve<{ n: number; pad: string }>(`bp/v${i}`)!);
  for (let n = 1; n <= UPDATES / VARS; n++) {
    for (const v of vars) v.reset({ n, pad: PAD });
    if (n % 50 === 0) sample();
    await tick();
  }
  sample();
}

const finalValues = (space: Space) =>
  Array.from({ length: VARS }, (_, i) => (space.resolve<{ n: number }>(`bp/v${i}`)?.deref() ?? { n: -1 }).n);

test(`a follower whose socket is paused while ${UPDATES} updates to ${VARS} vars go by: the hub coalesces, its memory stays bounded, the follower ends with the final values`, async () => {
  const writer = await client(hub.url);
  const proxy = await TcpProxy.start(hub.port);
  proxies.push(proxy);
  const follower = await client(proxy.url);
  await follower.link.follow('bp.>').synced;
  for (let i = 0; i < VARS; i++) writer.space.intern(`bp/v${i}`, { n: 0, pad: PAD });
  await writer.link.share('bp.>').synced;
  await waitFor(() => finalValues(follower.space).every((n) => n === 0), 'the initial values at the follower');
  const session = sessionOf(follower.link);
  // one update as the hub sends it: an entry of an `upds` batch
  const messageBytes = JSON.stringify(['bp/v0', '0'.repeat(16), UPDATES, { n: UPDATES, pad: PAD }]).length;

  const before = hub.hub.stats();
  const baseline = memory();
  proxy.pauseToClient();
  let maxState = 0;
  let maxControl = 0;
  let maxBuffered = 0;
  await writeStream(writer.space, () => {
    maxState = Math.max(maxState, queuedState(session.outbox));
    maxControl = Math.max(maxControl, queuedControl(session.outbox));
    maxBuffered = Math.max(maxBuffered, session.transport.bufferedAmount);
  });
  await writer.link.ping(); // the hub has taken every update
  const peak = memory() - baseline;
  const during = hub.hub.stats();
  proxy.resumeToClient();
  await waitFor(() => finalValues(follower.space).every((n) => n === UPDATES / VARS), 'the final values at the follower', 15_000);
  const after = hub.hub.stats();

  const routed = during.valuesRouted - before.valuesRouted;
  const coalesced = after.coalesced - before.coalesced;
  const streamBytes = UPDATES * messageBytes;
  console.log(
    `hub backpressure: ${routed} updates routed to a paused follower (${(streamBytes / 1e6).toFixed(1)} MB as messages); ` +
      `coalesced ${coalesced}, sent ${after.messagesOut - before.messagesOut}; outbox at most ${maxState} state + ${maxControl} other; ` +
      `socket buffer at most ${(maxBuffered / 1e6).toFixed(2)} MB; memory growth ${(peak / 1e6).toFixed(2)} MB`,
  );
  expect(routed).toBe(UPDATES); // every update reached the hub and was routed to the follower…
  expect(maxState).toBeLessThanOrEqual(VARS); // …which holds at most one queued value per var
  expect(maxControl).toBeLessThanOrEqual(5);
  expect(coalesced).toBeGreaterThan(UPDATES / 2); // most were never sent at all
  expect(peak).toBeLessThan(streamBytes / 4);
  expect(finalValues(hub.space)).toEqual(Array(VARS).fill(UPDATES / VARS));
}, 30_000);

test(`a writer whose socket is slow coalesces its ${UPDATES} updates (latest value per var) instead of queueing them`, async () => {
  const proxy = await TcpProxy.start(hub.port);
  proxies.push(proxy);
  const writer = await client(proxy.url);
  const follower = await client(hub.url);
  await follower.link.follow('bp.>').synced;
  for (let i = 0; i < VARS; i++) writer.space.intern(`bp/v${i}`, { n: 0, pad: PAD });
  await writer.link.share('bp.>').synced;
  await waitFor(() => finalValues(follower.space).every((n) => n === 0), 'the initial values at the follower');
  const outbox = (writer.link as unknown as { connection: { outbox: unknown } }).connection.outbox;
  const unacked = (writer.link as unknown as { marks: { unconfirmed: { size: number } } }).marks.unconfirmed;

  const before = writer.link.stats();
  const baseline = memory();
  proxy.pauseFromClient();
  let maxState = 0;
  let maxControl = 0;
  let maxUnacked = 0;
  await writeStream(writer.space, () => {
    maxState = Math.max(maxState, queuedState(outbox));
    maxControl = Math.max(maxControl, queuedControl(outbox));
    maxUnacked = Math.max(maxUnacked, unacked.size);
  });
  const peak = memory() - baseline;
  const during = writer.link.stats();
  proxy.resumeFromClient();
  await waitFor(() => finalValues(follower.space).every((n) => n === UPDATES / VARS), 'the final values at the follower', 15_000);
  await writer.link.ping();
  const after = writer.link.stats();

  console.log(
    `link backpressure: ${UPDATES} local updates on a slow socket: ${after.messagesOut - before.messagesOut} messages sent, ` +
      `${during.coalesced - before.coalesced} coalesced; outbox at most ${maxState} state + ${maxControl} other, ${maxUnacked} unconfirmed; ` +
      `memory growth ${(peak / 1e6).toFixed(2)} MB`,
  );
  expect(maxState).toBeLessThanOrEqual(VARS);
  expect(maxControl).toBeLessThanOrEqual(5);
  expect(maxUnacked).toBeLessThanOrEqual(VARS);
  expect(during.coalesced - before.coalesced).toBeGreaterThan(UPDATES / 2);
  expect(after.messagesOut - before.messagesOut).toBeLessThan(UPDATES / 2);
  expect(finalValues(hub.space)).toEqual(Array(VARS).fill(UPDATES / VARS));
}, 30_000);

test('a writer over the hub’s rate limit: frames the hub drops are sent again, the final values arrive', async () => {
  await hub.close();
  hub = await startHub({ port: 0, host: '127.0.0.1', limits: { messagesPerSecond: 2_000, burst: 500, maxThrottledFrames: 1_000_000 } });
  const writer = await client(hub.url);
  const follower = await client(hub.url);
  await follower.link.follow('bp.>').synced;
  for (let i = 0; i < VARS; i++) writer.space.intern(`bp/v${i}`, { n: 0, pad: PAD });
  await writer.link.share('bp.>').synced;
  const errors: string[] = [];
  writer.link.errors$.subscribe((e) => errors.push(e.code));
  const vars = Array.from({ length: VARS }, (_, i) => writer.space.resolve<{ n: number; pad: string }>(`bp/v${i}`)!);
  const rounds = 2_000;
  for (let n = 1; n <= rounds; n++) {
    for (const v of vars) v.reset({ n, pad: PAD });
    await tick();
  }
  const refused = hub.hub.stats().refused;
  await waitFor(() => finalValues(follower.space).every((n) => n === rounds), 'the final values at the follower', 10_000);
  expect(finalValues(hub.space)).toEqual(Array(VARS).fill(rounds));
  console.log(
    `rate limit: ${refused} frames refused by the hub, ${errors.filter((c) => c === 'VS_LIMIT').length} limit errors at the writer; final values arrived`,
  );
  expect(refused).toBeGreaterThan(0);
}, 30_000);
