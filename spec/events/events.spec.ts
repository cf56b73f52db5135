// Events on named channels through real loopback WebSockets: every event to every subscriber once,
// in publish order per publisher; self; teardown at the hub; the buffer while disconnected.
import { LimitError, Space, connect, type HubHandle, type Link, type TaggedEvent, type VarspaceError } from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';
import { TcpProxy, waitFor } from '../sync/net-helpers.js';

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const each of opened.splice(0).reverse()) await each.close();
});

async function linkTo(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Link> {
  const link = await connect(url, { space: new Space(), reconnect: { initialDelayMs: 5, maxDelayMs: 40 }, ...options });
  opened.push(link);
  return link;
}

function collect<T>(link: Link, pattern: string, options: { self?: boolean } = {}): TaggedEvent<T>[] {
  const seen: TaggedEvent<T>[] = [];
  const subscription = link.events$<T>(pattern, options).subscribe((event) => seen.push(event));
  opened.push({ close: () => subscription.unsubscribe() });
  return seen;
}

async function hub(options: Parameters<typeof loopbackHub>[1] = {}): Promise<HubHandle> {
  return loopbackHub(opened, { limits: { messagesPerSecond: 10_000_000 }, ...options });
}

test('every event reaches every matching subscriber once, in publish order per publisher, nothing coalesced', async () => {
  const h = await hub();
  const [a, b, all, logs, one] = await Promise.all([1, 2, 3, 4, 5].map(() => linkTo(h.url)));
  const seenAll = collect<number>(all, '>');
  const seenLogs = collect<number>(logs, 'logs.>');
  const seenOne = collect<number>(one, 'logs.api/info');
  await Promise.all([all.ping(), logs.ping(), one.ping()]);

  const n = 2_000;
  for (let i = 0; i < n; i++) {
    a.publish(i % 2 ? 'logs.api/info' : 'logs.db/warn', i);
    b.publish(i % 3 ? 'logs.api/info' : 'metrics/cpu', i);
  }
  await Promise.all([a.publish('logs.api/info', n), b.publish('logs.api/info', n)]);
  const total = 2 * (n + 1);
  await waitFor(() => seenAll.length === total, `${total} events at the subscriber to >`);
  const fromB = (seen: TaggedEvent<number>[]) => seen.filter((e) => e.from === b.instanceId);
  const fromA = (seen: TaggedEvent<number>[]) => seen.filter((e) => e.from === a.instanceId);
  expect(fromA(seenAll).map((e) => e.value)).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
  expect(fromB(seenAll).map((e) => e.value)).toEqual(Array.from({ length: n + 1 }, (_, i) => i));
  await waitFor(() => seenLogs.length === total - Math.ceil(n / 3), 'the logs.> events');
  expect(seenLogs.every((e) => e.fqn.startsWith('logs.'))).toBe(true);
  await waitFor(() => seenOne.length === seenAll.filter((e) => e.fqn === 'logs.api/info').length, 'the logs.api/info events');
  // Per channel, the hub numbers events 1, 2, 3, … in routing order.
  const infoSeqs = seenAll.filter((e) => e.fqn === 'logs.api/info').map((e) => e.seq);
  expect(infoSeqs).toEqual(Array.from({ length: infoSeqs.length }, (_, i) => i + 1));
  expect(seenOne.map((e) => e.seq)).toEqual(infoSeqs);
  expect(seenAll[0]).toMatchObject({ stamp: expect.stringMatching(/^[0-9a-f]{16}$/) });
  expect(h.stats()).toMatchObject({ eventsIn: total });
  expect(a.stats()).toMatchObject({ eventsOut: n + 1, eventsDropped: 0 });
  expect(all.stats()).toMatchObject({ eventsIn: total, eventsMissed: 0 });
});

test('publish resolves with the channel seq once the hub accepted it; the same value twice is two events', async () => {
  const h = await hub();
  const [pub, sub] = await Promise.all([linkTo(h.url), linkTo(h.url)]);
  const seen = collect<string>(sub, 'ui.events/*');
  await sub.ping();
  expect(await pub.publish('ui.events/click', 'x')).toEqual({ seq: 1 });
  expect(await pub.publish('ui.events/click', 'x')).toEqual({ seq: 2 });
  expect(await pub.publish('ui.events/key', undefined)).toEqual({ seq: 1 });
  await waitFor(() => seen.length === 3, 'three events');
  expect(seen.map((e) => [e.fqn, e.value])).toEqual([
    ['ui.events/click', 'x'],
    ['ui.events/click', 'x'],
    ['ui.events/key', undefined],
  ]);
  // A channel is not a var: nothing is stored, nothing is created locally.
  expect(h.space.resolve('ui.events/click')).toBeUndefined();
  expect(sub.space.resolve('ui.events/click')).toBeUndefined();
  expect(() => pub.publish('bad name!', 1)).toThrow(expect.objectContaining({ code: 'VS_BAD_NAME' }));
  expect(() => pub.publish('$sys.x/y', 1)).toThrow(expect.objectContaining({ code: 'VS_RESERVED_NAME' }));
  expect(() => pub.publish('ui.events/click', () => 1)).toThrow(expect.objectContaining({ code: 'VS_INVALID_VALUE' }));
});

test('own events only with self: true', async () => {
  const h = await hub();
  const [link, other] = await Promise.all([linkTo(h.url), linkTo(h.url)]);
  const plain = collect<number>(link, 'chat/*');
  const withSelf = collect<number>(link, 'chat/*', { self: true });
  await link.ping();
  await link.publish('chat/room', 1);
  await other.publish('chat/room', 2);
  await waitFor(() => withSelf.length === 2 && plain.length === 1, 'the events');
  expect(withSelf.map((e) => [e.value, e.from])).toEqual([
    [1, link.instanceId],
    [2, other.instanceId],
  ]);
  expect(plain.map((e) => e.value)).toEqual([2]);
});

test('unsubscribing ends the subscription at the hub: nothing more is routed to it', async () => {
  const h = await hub();
  const [pub, sub] = await Promise.all([linkTo(h.url), linkTo(h.url)]);
  const seen: unknown[] = [];
  const subscription = sub.events$('ticks/*').subscribe((e) => seen.push(e.value));
  await sub.ping();
  await pub.publish('ticks/a', 1);
  await waitFor(() => seen.length === 1, 'the first event');
  const routed = h.stats().eventsOut;
  subscription.unsubscribe();
  await sub.ping();
  await pub.publish('ticks/a', 2);
  await pub.ping();
  expect(h.stats().eventsOut).toBe(routed);
  expect(h.stats().eventsIn).toBe(2);
  expect(seen).toEqual([1]);
});

test('events published while disconnected are sent on reconnect in order; over maxBufferedEvents the oldest are dropped and reported', async () => {
  const h = await hub();
  const proxy = await TcpProxy.start(h.port);
  opened.push(proxy);
  const sub = await linkTo(h.url);
  const seen = collect<number>(sub, 'jobs/*');
  await sub.ping();
  const pub = await linkTo(`ws://127.0.0.1:${proxy.port}`, { maxBufferedEvents: 5 });
  const errors: VarspaceError[] = [];
  pub.errors$.subscribe((error) => errors.push(error));
  await pub.publish('jobs/done', 0);
  proxy.down();
  await waitFor(() => pub.status$.value === 'reconnecting', 'reconnecting');
  for (let i = 1; i <= 8; i++) pub.publish('jobs/done', i);
  const awaited = pub.publish('jobs/done', 9);
  expect(pub.stats().eventsDropped).toBe(4);
  expect(errors.filter((e) => e instanceof LimitError)).toHaveLength(1);
  proxy.up();
  expect(await awaited).toEqual({ seq: 6 });
  await waitFor(() => seen.length === 6, 'the kept events');
  expect(seen.map((e) => e.value)).toEqual([0, 5, 6, 7, 8, 9]);
});

test('an awaited event dropped from the buffer rejects with LimitError; a closing link rejects waiting ones with ClosedError', async () => {
  const h = await hub();
  const proxy = await TcpProxy.start(h.port);
  opened.push(proxy);
  const pub = await linkTo(`ws://127.0.0.1:${proxy.port}`, { maxBufferedEvents: 1 });
  proxy.down();
  await waitFor(() => pub.status$.value === 'reconnecting', 'reconnecting');
  const first = pub.publish('jobs/x', 1);
  const second = pub.publish('jobs/x', 2);
  await expect(first).rejects.toBeInstanceOf(LimitError);
  await pub.close();
  await expect(second).rejects.toMatchObject({ code: 'VS_CLOSED' });
});

test('maxBufferedEvents 0: nothing is kept while disconnected', async () => {
  const h = await hub();
  const proxy = await TcpProxy.start(h.port);
  opened.push(proxy);
  const pub = await linkTo(`ws://127.0.0.1:${proxy.port}`, { maxBufferedEvents: 0 });
  proxy.down();
  await waitFor(() => pub.status$.value === 'reconnecting', 'reconnecting');
  await expect(pub.publish('jobs/x', 1)).rejects.toBeInstanceOf(LimitError);
  expect(pub.stats().eventsDropped).toBe(1);
  proxy.up();
  await waitFor(() => pub.status$.value === 'open', 'open again');
  expect(await pub.publish('jobs/x', 2)).toEqual({ seq: 1 });
});
