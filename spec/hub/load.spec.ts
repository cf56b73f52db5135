// Defect 6 of issue 14 (stall under load): the hub bounds the frames it handles per turn of the
// event loop and every queue it keeps per connection. Behaviour only (no timings): what each
// peer gets, and the documented outcome when a peer does not read.
import { WebSocket } from 'ws';
import { Space, connect, startHub, type HubHandle, type Link, type StartHubOptions } from '../../src/index.js';
import { sleep, waitFor } from '../sync/net-helpers.js';
import { loopbackHub } from '../support/loopback-hub.js';

const closers: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

function hubWith(options: StartHubOptions = {}): Promise<HubHandle> {
  return loopbackHub(closers, options);
}

async function linkTo(hub: HubHandle): Promise<{ link: Link; space: Space }> {
  const space = new Space();
  const link = await connect(hub.url, { space });
  closers.push(link);
  return { link, space };
}

/** A raw protocol client, welcomed; counts the `upds` entries it gets and keeps the latest per FQN. */
async function rawClient(hub: HubHandle) {
  const socket = new WebSocket(hub.url);
  closers.push({ close: () => socket.terminate() });
  const received: any[] = [];
  const latest = new Map<string, unknown>();
  let entries = 0;
  let closed: { code: number; reason: string } | undefined;
  socket.on('message', (data) => {
    for (const message of JSON.parse(String(data))) {
      if (message.t === 'upds') {
        for (const [fqn, , , value] of message.u) latest.set(fqn, value);
        entries += message.u.length;
      } else received.push(message);
    }
  });
  socket.on('close', (code, reason) => (closed = { code, reason: String(reason) }));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  socket.send('[{"t":"hello","versions":[1]}]');
  await waitFor(() => received.some((m) => m.t === 'welcome'), 'welcome');
  return {
    socket,
    received,
    latest,
    entries: () => entries,
    closed: () => closed,
    send: (frame: unknown) => socket.send(JSON.stringify(frame)),
  };
}

const PAD = 'x'.repeat(500);

/** Writes `rounds` rounds of one update to each of `vars` vars of `load.v/…`, a turn of the event loop between rounds. */
async function writeRounds(space: Space, vars: number, rounds: number): Promise<void> {
  const targets = Array.from({ length: vars }, (_, i) => space.intern(`load.v/v${i}`, { r: -1, p: PAD }));
  for (let r = 0; r < rounds; r++) {
    for (const target of targets) target.reset({ r, p: PAD });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

test('a reader that never reads while a writer writes 100k updates: its queue coalesces, other readers get everything', async () => {
  const hub = await hubWith({ limits: { messagesPerSecond: 10_000_000 } });
  const stalled = await rawClient(hub);
  stalled.send([{ t: 'sub', sid: 1, pattern: 'load.>' }]);
  await waitFor(() => stalled.received.some((m) => m.t === 'subok'), 'subok');
  stalled.socket.pause(); // stops reading: the hub's socket to it backs up
  const reader = await linkTo(hub);
  await reader.link.follow('load.>').synced;
  const writer = await linkTo(hub);
  await writer.link.share('load.>').synced;

  const vars = 100;
  const rounds = 1_000;
  await writeRounds(writer.space, vars, rounds);
  const final = (space: Space | Map<string, unknown>, i: number) =>
    ((space instanceof Map ? space.get(`load.v/v${i}`) : space.resolve(`load.v/v${i}`)?.getValue()) as { r: number } | undefined)?.r ===
    rounds - 1;
  await waitFor(
    () => Array.from({ length: vars }, (_, i) => final(reader.space, i)).every(Boolean),
    'every final value at the reading follower',
    60_000,
    20,
  );
  expect(hub.stats().coalesced).toBeGreaterThan(0);

  stalled.socket.resume();
  await waitFor(
    () => Array.from({ length: vars }, (_, i) => final(stalled.latest, i)).every(Boolean),
    'every final value at the stalled reader',
    30_000,
    20,
  );
  // It got the latest of every var, without every update on the way: what waited for it was one state per var.
  expect(stalled.entries()).toBeLessThan((vars * rounds * 9) / 10);
  expect(stalled.closed()).toBeUndefined();
}, 90_000);

test('a peer that does not read but keeps asking is closed with 4029 VS_LIMIT once its answers pass maxQueuedBytes', async () => {
  const hub = await hubWith({ limits: { maxQueuedBytes: 64 * 1024, messagesPerSecond: 10_000_000 } });
  const stalled = await rawClient(hub);
  stalled.send([{ t: 'sub', sid: 1, pattern: 'load.>' }]);
  await waitFor(() => stalled.received.some((m) => m.t === 'subok'), 'subok');
  stalled.socket.pause();
  const writer = await linkTo(hub);
  await writer.link.share('load.>').synced;
  // Until the hub holds its updates back (its socket to the stalled peer is full).
  for (let round = 0; hub.stats().coalesced === 0; round++) {
    if (round === 200) throw new Error('the hub never held updates back');
    await writeRounds(writer.space, 100, 10);
  }
  const pings = Array.from({ length: 1_000 }, (_, n) => ({ t: 'ping', n }));
  for (let i = 0; i < 10; i++) stalled.send(pings); // ~250 KB of pongs, over 64 KiB
  await sleep(100);
  stalled.socket.resume();
  await waitFor(() => stalled.closed() !== undefined, 'the close', 30_000, 20);
  expect(stalled.closed()!.code).toBe(4029);
  expect(stalled.closed()!.reason).toMatch(/^VS_LIMIT /);
  // The hub serves on.
  await expect(writer.link.set('load.x/after', 1)).resolves.toMatchObject({ rev: expect.any(Number) });
}, 60_000);

test('frames from 20 raw sockets arriving at once are all processed: nothing lost, every ack comes', async () => {
  const hub = await hubWith({ limits: { messagesPerSecond: 10_000_000 } });
  const reader = await linkTo(hub);
  await reader.link.follow('burst.>').synced;
  const clients = await Promise.all(Array.from({ length: 20 }, () => rawClient(hub)));
  const frames = 20;
  const entries = 100;
  let n = 0n;
  const base = BigInt(Date.now()) * 65536n;
  const stamp = () => (base + n++).toString(16).padStart(16, '0');
  clients.forEach((client, c) => {
    for (let f = 0; f < frames; f++) {
      const w = Array.from({ length: entries }, (_, e) => [`burst.c${c}/v${e}`, stamp(), { f, e, p: PAD }]);
      client.send([
        { t: 'pubs', w },
        { t: 'pub', fqn: `burst.c${c}/last`, value: f, stamp: stamp(), ref: f + 1 },
      ]);
    }
  });
  const acks = (client: Awaited<ReturnType<typeof rawClient>>) => client.received.filter((m) => m.t === 'ack').length;
  await waitFor(() => clients.every((client) => acks(client) === frames), 'every ack', 30_000, 20);
  for (const client of clients) expect(client.received.filter((m) => m.t === 'err')).toEqual([]);
  for (let c = 0; c < clients.length; c++) {
    expect(hub.space.resolve(`burst.c${c}/last`)?.getValue()).toBe(frames - 1);
    for (let e = 0; e < entries; e++) expect(hub.space.resolve(`burst.c${c}/v${e}`)?.getValue()).toMatchObject({ f: frames - 1, e });
  }
  await waitFor(() => reader.space.resolve(`burst.c19/last`)?.getValue() === frames - 1, 'the follower', 10_000, 20);
  expect(reader.space.resolve(`burst.c0/v99`)?.getValue()).toMatchObject({ f: frames - 1 });
  // Every socket is read again (none stays paused).
  clients.forEach((client) => client.send([{ t: 'ping', n: 7 }]));
  await waitFor(() => clients.every((client) => client.received.some((m) => m.t === 'pong' && m.n === 7)), 'every pong', 10_000, 20);
}, 60_000);

test('the new limit maxQueuedBytes is validated', async () => {
  await expect(startHub({ port: 0, limits: { maxQueuedBytes: 0 } })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
  await expect(startHub({ port: 0, limits: { maxQueuedBytes: 1.5 } })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
  await expect(startHub({ port: 0, limits: { maxQueuedBytes: '1' as never } })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
});
