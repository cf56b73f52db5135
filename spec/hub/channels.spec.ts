// The hub's channels over the raw protocol on a real loopback WebSocket: malformed event frames,
// access rules, a slow subscriber's bounded queue and gap notice, app-type channel schemas.
import { z } from 'zod';
import { ForbiddenError, Space, ValidationError, connect, defineAppType, type Link, type VarspaceError } from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';
import { waitFor } from '../sync/net-helpers.js';
import { rawClient, type RawClient } from './raw-client.js';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const each of opened.splice(0).reverse()) await each.close();
});

async function raw(url: string, hello: Record<string, unknown> = {}): Promise<RawClient> {
  const client = await rawClient(url, opened);
  await client.hello(hello);
  return client;
}

async function linkTo(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Link> {
  const link = await connect(url, { space: new Space(), reconnect: false, ...options });
  opened.push(link);
  return link;
}

describe('malformed event frames get a typed err and change nothing', () => {
  test.each([
    ['an evpub without entries', { t: 'evpub', n: 1, e: [] }],
    ['an evpub entry that is not [channel, value]', { t: 'evpub', n: 1, e: [['a/b', 1, 2]] }],
    ['an evpub entry without a channel', { t: 'evpub', n: 1, e: [[42, 'x']] }],
    ['an evpub without n', { t: 'evpub', e: [['a/b', 1]] }],
    ['an evsub without sid', { t: 'evsub', pattern: '>' }],
    ['an evsub with a non-boolean self', { t: 'evsub', sid: 1, pattern: '>', self: 'yes' }],
    ['an evunsub with a negative sid', { t: 'evunsub', sid: -1 }],
  ])('%s', async (_, message) => {
    const hub = await loopbackHub(opened);
    const client = await raw(hub.url);
    // The good event in the same frame is not routed either: a bad frame changes nothing.
    client.send([{ t: 'evpub', n: 1, e: [['ok/x', 1]] }, message]);
    const err = await client.next('err');
    expect(err).toMatchObject({ code: 'VS_BAD_FRAME' });
    expect(hub.stats().eventsIn).toBe(0);
    client.send([{ t: 'ping', n: 9 }]);
    await client.next('pong');
    expect(client.closed()).toBeUndefined();
  });

  test('bad channel names and patterns are refused one by one, with their codes', async () => {
    const hub = await loopbackHub(opened);
    const client = await raw(hub.url);
    client.send([
      { t: 'evsub', sid: 1, pattern: 'a..b' },
      { t: 'evsub', sid: 2, pattern: 'ok.>' },
      {
        t: 'evpub',
        n: 1,
        e: [
          ['not a name', 1],
          ['$sys.instances/x', 2],
          ['ok/x', 3],
          ['ok/y', 1],
        ],
      },
    ]);
    const suberr = await client.next('evsuberr');
    expect(suberr).toMatchObject({ sid: 1, code: 'VS_BAD_NAME' });
    const ok = await client.next('evok');
    expect(ok.n).toBe(1);
    expect(ok.s).toEqual([0, 0, 1, 1]);
    expect(ok.x.map((x: unknown[]) => x.slice(0, 2))).toEqual([
      [0, 'VS_BAD_NAME'],
      [1, 'VS_RESERVED_NAME'],
    ]);
    expect(hub.stats().eventsIn).toBe(2);
  });

  test('a value nested deeper than maxDepth is refused with VS_LIMIT', async () => {
    const hub = await loopbackHub(opened, { limits: { maxDepth: 2 } });
    const client = await raw(hub.url);
    client.send([{ t: 'evpub', n: 7, e: [['ok/x', [[[1]]]]] }]);
    const ok = await client.next('evok');
    expect(ok).toMatchObject({ n: 7, s: [0], x: [[0, 'VS_LIMIT', expect.any(String)]] });
  });
});

describe('access rules', () => {
  const authenticate = ({ token }: { token: string | undefined }) => (token ? { name: token } : undefined);
  const authorize = {
    worker: { read: ['logs.>'], publish: ['logs.>'] },
    viewer: { read: ['logs.public/*'] },
    admin: { read: ['>'], publish: ['>'] },
  };

  test('publishing needs the publish rule: a forbidden event rejects with ForbiddenError and is not routed', async () => {
    const hub = await loopbackHub(opened, { authenticate, authorize });
    const worker = await linkTo(hub.url, { token: 'worker' });
    const viewer = await linkTo(hub.url, { token: 'viewer' });
    const seen: unknown[] = [];
    worker.events$('>', { self: true }).subscribe((e) => seen.push(e.value));
    await worker.ping();
    await expect(viewer.publish('logs.public/info', 'no')).rejects.toBeInstanceOf(ForbiddenError);
    await expect(worker.publish('metrics/cpu', 'no')).rejects.toBeInstanceOf(ForbiddenError);
    // Not awaited: the refusal goes to errors$.
    const errors: VarspaceError[] = [];
    viewer.errors$.subscribe((e) => errors.push(e));
    viewer.publish('logs.public/info', 'again');
    await waitFor(() => errors.length === 1, 'the refusal on errors$');
    expect(errors[0]).toBeInstanceOf(ForbiddenError);
    expect(await worker.publish('logs.public/info', 'yes')).toEqual({ seq: 1 });
    await waitFor(() => seen.length === 1, 'the allowed event');
    expect(seen).toEqual(['yes']);
  });

  test('a subscriber gets only the events it may read, even on >', async () => {
    const hub = await loopbackHub(opened, { authenticate, authorize });
    const admin = await linkTo(hub.url, { token: 'admin' });
    const viewer = await linkTo(hub.url, { token: 'viewer' });
    const seen: string[] = [];
    viewer.events$('>').subscribe((e) => seen.push(e.fqn));
    await viewer.ping();
    await admin.publish('logs.secret/x', 1);
    await admin.publish('logs.public/info', 2);
    await admin.publish('other/y', 3);
    await admin.publish('logs.public/warn', 4);
    await waitFor(() => seen.length === 2, 'the readable events');
    await admin.ping();
    await viewer.ping();
    expect(seen).toEqual(['logs.public/info', 'logs.public/warn']);
  });

  test('a subscription to a pattern it may read nothing of errors with ForbiddenError', async () => {
    const hub = await loopbackHub(opened, { authenticate, authorize });
    const viewer = await linkTo(hub.url, { token: 'viewer' });
    const error = await new Promise<unknown>((resolve) => viewer.events$('metrics.>').subscribe({ error: resolve }));
    expect(error).toBeInstanceOf(ForbiddenError);
  });

  test('a token-less hub lets everyone publish; the publish rule list is checked at start', async () => {
    const hub = await loopbackHub(opened);
    const link = await linkTo(hub.url);
    expect(await link.publish('any/thing', 1)).toEqual({ seq: 1 });
    await expect(loopbackHub(opened, { authenticate, authorize: { x: { publish: ['a..b'] } } })).rejects.toMatchObject({
      code: 'VS_BAD_NAME',
    });
  });
});

test('a subscriber that does not read: its queue stays under maxQueuedEventBytes, it gets a gap notice, others get everything', async () => {
  // Above one round's burst (the queue fills within a turn, before the socket can take any of it).
  const limit = 512 * 1024;
  const hub = await loopbackHub(opened, { limits: { messagesPerSecond: 10_000_000, maxQueuedEventBytes: limit } });
  const stalled = await raw(hub.url);
  stalled.send([{ t: 'evsub', sid: 1, pattern: 'load.>' }]);
  stalled.send([{ t: 'ping', n: 1 }]);
  await stalled.next('pong');
  stalled.socket.pause(); // stops reading: the hub's socket to it backs up
  const reader = await linkTo(hub.url);
  const seen: number[] = [];
  reader.events$<{ i: number }>('load.v/e').subscribe((e) => seen.push(e.value.i));
  await reader.ping();
  const writer = await linkTo(hub.url);
  const gaps: VarspaceError[] = [];
  reader.errors$.subscribe((e) => gaps.push(e));
  // 16 MB for each subscriber: more than the sockets between the hub and the stalled one hold.
  const pad = 'x'.repeat(500);
  const n = 30_000;
  for (let round = 0; round < n / 300; round++) {
    for (let i = 0; i < 300; i++) writer.publish('load.v/e', { i: round * 300 + i, pad });
    await writer.ping();
  }
  await waitFor(() => seen.length === n, 'every event at the reading subscriber', 60_000, 20);
  expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(gaps).toEqual([]);
  // State is not held up behind the stalled subscriber's events either.
  await reader.follow('load.state/*').synced;
  await writer.set('load.state/phase', 'done');
  await waitFor(() => reader.space.resolve('load.state/phase')?.getValue() === 'done', 'the state write at the reader');
  // What waits for the stalled one is bounded: the hub dropped its oldest events.
  stalled.socket.resume();
  await stalled.until(() => stalled.received.some((m) => m.t === 'evgap'), 30_000);
  const gap = stalled.received.find((m) => m.t === 'evgap');
  expect(gap.missed).toBeGreaterThan(0);
  await stalled.until(() => stalled.received.filter((m) => m.t === 'evs').some((m) => m.e.some((e: unknown[]) => e[1] === n)), 30_000);
  const got = stalled.received.filter((m) => m.t === 'evs').flatMap((m) => m.e.filter((e: unknown[]) => e[0] === 'load.v/e'));
  // Each event it got came once and in order; the missed ones are counted, not silent.
  const values = got.map((e: unknown[]) => (e[3] as { i: number }).i);
  expect(values).toEqual([...values].sort((a, b) => a - b));
  expect(new Set(values).size).toBe(values.length);
  expect(values.length).toBeLessThan(n);
  expect(stalled.closed()).toBeUndefined();
}, 90_000);

test('a slow link reports the gap notice as a LimitError on errors$ and in stats', async () => {
  const hub = await loopbackHub(opened, { limits: { messagesPerSecond: 10_000_000, maxQueuedEventBytes: 1024 } });
  const { TcpProxy } = await import('../sync/net-helpers.js');
  const proxy = await TcpProxy.start(hub.port);
  opened.push(proxy);
  const slow = await linkTo(`ws://127.0.0.1:${proxy.port}`);
  const errors: VarspaceError[] = [];
  slow.errors$.subscribe((e) => errors.push(e));
  let received = 0;
  slow.events$('load.>').subscribe(() => received++);
  await slow.ping();
  proxy.pauseToClient();
  const writer = await linkTo(hub.url);
  const pad = 'y'.repeat(1000);
  for (let round = 0; round < 40; round++) {
    for (let i = 0; i < 100; i++) writer.publish('load.v/e', pad);
    await writer.ping();
  }
  proxy.resumeToClient();
  await waitFor(() => errors.some((e) => e.code === 'VS_LIMIT'), 'the gap on errors$', 30_000);
  await waitFor(() => received + slow.stats().eventsMissed === 4000, 'every event received or counted missed', 30_000);
  expect(slow.stats().eventsMissed).toBeGreaterThan(0);
}, 60_000);

test('app types: the hub checks event payloads against the channel schema of the publisher (VS_INVALID_VALUE)', async () => {
  const Clicker = defineAppType('clicker', { state: z.string() }, { channels: { click: z.object({ x: z.number(), y: z.number() }) } });
  expect(() => defineAppType('bad', {}, { channels: { 'a b': z.number() } })).toThrow(expect.objectContaining({ code: 'VS_BAD_NAME' }));
  expect(() => defineAppType('bad', {}, { channels: { c: 42 as never } })).toThrow(ValidationError);
  const hub = await loopbackHub(opened, { appTypes: [Clicker] });
  const clicker = await linkTo(hub.url, { attributes: { appType: 'clicker' } });
  const plain = await linkTo(hub.url);
  const seen: unknown[] = [];
  plain.events$('ui.>', { self: true }).subscribe((e) => seen.push(e.value));
  await plain.ping();
  expect(await clicker.publish('ui.clicker/click', { x: 1, y: 2 })).toEqual({ seq: 1 });
  await expect(clicker.publish('ui.clicker/click', { x: 'left' })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
  // Another channel name, or an instance of no app type: no schema applies.
  expect(await clicker.publish('ui.clicker/other', 'free')).toEqual({ seq: 1 });
  expect(await plain.publish('ui.clicker/click', 'anything')).toEqual({ seq: 2 });
  await waitFor(() => seen.length === 3, 'the accepted events');
  expect(seen).toEqual([{ x: 1, y: 2 }, 'free', 'anything']);
});
