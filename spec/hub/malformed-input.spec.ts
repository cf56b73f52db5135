// Issue 14, defect 7: malformed input. Every malformed first frame gets a typed `err` and close
// 4002, with nothing logged as an error and the hub serving on; only one frame is read before
// `hello`; a value nested 100,000 deep answers VS_LIMIT (the depth check does not recurse).
import { jest } from '@jest/globals';
import { Space, connect, startHub, type HubHandle, type Logger } from '../../src/index.js';
import { rawClient } from './raw-client.js';

const open: { close(): unknown }[] = [];
let hub: HubHandle;
let logged: { level: string; event: string; fields?: Record<string, unknown> }[];
let consoleError: ReturnType<typeof jest.spyOn>;

beforeEach(async () => {
  logged = [];
  const logger: Logger = { log: (level, event, fields) => logged.push({ level, event, fields }) };
  hub = await startHub({ port: 0, host: '127.0.0.1', logger });
  consoleError = jest.spyOn(console, 'error');
});
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  await hub.close();
  consoleError.mockRestore();
});

/** The hub still serves: a link connects, writes and reads back. */
async function hubServesOn(): Promise<void> {
  const space = new Space();
  const link = await connect(hub.url, { space, reconnect: false });
  open.push(link);
  await link.set('alive/check', 42);
  expect(hub.space.resolve('alive/check')!.deref()).toBe(42);
}

/** A nest of arrays `depth` deep, as text (JSON.stringify would recurse). */
const deepText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('a malformed first frame gets err VS_BAD_FRAME and close 4002; nothing logged as an error', () => {
  test.each([
    ['an empty array []', '[]'],
    ['an object {}', '{}'],
    ['[null]', '[null]'],
    ['[1]', '[1]'],
    ['not JSON', '{nope'],
    ['a JSON string', '"hello"'],
    ['a binary frame', Buffer.from(JSON.stringify([{ t: 'hello', versions: [1] }]))],
    ['a first message that is not hello', [{ t: 'ping', n: 1 }]],
    [
      'hello after another message',
      [
        { t: 'ping', n: 1 },
        { t: 'hello', versions: [1] },
      ],
    ],
    ['a hello without versions', [{ t: 'hello' }]],
    ['a hello with an empty versions list', [{ t: 'hello', versions: [] }]],
    ['a hello whose attributes nest 100,000 deep', `[{"t":"hello","versions":[1],"attributes":${deepText(100_000)}}]`],
    ['a first message whose type nests 100,000 deep', `[{"t":${deepText(100_000)}}]`],
  ])('%s', async (_label, frame) => {
    const c = await rawClient(hub.url, open);
    c.send(frame);
    const closed = await c.closing();
    expect(closed.code).toBe(4002);
    expect(closed.reason).toMatch(/^VS_BAD_FRAME /);
    expect(c.received).toEqual([expect.objectContaining({ t: 'err', code: 'VS_BAD_FRAME' })]);
    expect(c.received[0].ref).toBeUndefined();
    expect(logged.filter((entry) => entry.level === 'error')).toEqual([]);
    expect(consoleError).not.toHaveBeenCalled();
    expect(hub.stats().connections).toBe(0);
    await hubServesOn();
  });
});

test('a pre-hello flood: the hub reads one frame, answers one err and closes (4002)', async () => {
  const c = await rawClient(hub.url, open);
  const before = hub.stats();
  for (let i = 0; i < 2000; i++) c.send([{ t: 'pub', fqn: 'flood/x', value: i, stamp: '0000000000010000' }]);
  expect((await c.closing()).code).toBe(4002);
  const after = hub.stats();
  expect(c.received.filter((m) => m.t === 'err')).toHaveLength(1);
  // one frame read and refused before any message in it was validated; nothing else counted or applied
  expect(after.messagesIn - before.messagesIn).toBe(0);
  expect(after.refused - before.refused).toBe(1);
  expect(hub.space.findNs('flood')).toBeUndefined();
  await hubServesOn();
});

test('after hello, malformed frames count against the rate limit: a flood of them is closed with 4029', async () => {
  await hub.close();
  hub = await startHub({ port: 0, host: '127.0.0.1', limits: { messagesPerSecond: 10, burst: 10, maxThrottledFrames: 3 } });
  const c = await rawClient(hub.url, open);
  await c.hello();
  for (let i = 0; i < 40; i++) c.send('{nope');
  expect((await c.closing()).code).toBe(4029);
  const errors = c.received.filter((m) => m.t === 'err');
  expect(errors.filter((m) => m.code === 'VS_BAD_FRAME').length).toBeLessThanOrEqual(10);
  expect(errors.some((m) => m.code === 'VS_LIMIT')).toBe(true);
});

test('a binary frame after hello gets err VS_BAD_FRAME; the connection serves on', async () => {
  const c = await rawClient(hub.url, open);
  await c.hello();
  c.send(Buffer.from([1, 2, 3]));
  expect(await c.next('err')).toMatchObject({ code: 'VS_BAD_FRAME', message: expect.stringContaining('text') });
  c.send([{ t: 'ping', n: 3 }]);
  expect(await c.next('pong')).toEqual({ t: 'pong', n: 3 });
});

describe('a value nested 100,000 deep answers VS_LIMIT (not VS_INTERNAL); the hub serves on', () => {
  const stamp = '0000000000010000';
  test.each([
    ['pub', (v: string) => `[{"t":"pub","fqn":"deep/x","value":${v},"stamp":"${stamp}","ref":1}]`],
    ['cas', (v: string) => `[{"t":"cas","fqn":"deep/x","value":${v},"stamp":"${stamp}","rev":0,"ref":1}]`],
    ['a pubs entry', (v: string) => `[{"t":"pubs","w":[["deep/x","${stamp}",${v}]]}]`],
    [
      'an object nest',
      () => `[{"t":"pub","fqn":"deep/x","value":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)},"stamp":"${stamp}","ref":1}]`,
    ],
  ])('through %s', async (_label, frame) => {
    const c = await rawClient(hub.url, open);
    await c.hello();
    c.send(frame(deepText(100_000)));
    const err = await c.next('err');
    expect(err.code).toBe('VS_LIMIT');
    expect(err.message).toContain('nests deeper than 32');
    expect(hub.space.resolve('deep/x')).toBeUndefined();
    expect(logged.filter((entry) => entry.level === 'error')).toEqual([]);
    c.send([{ t: 'ping', n: 1 }]);
    expect(await c.next('pong')).toEqual({ t: 'pong', n: 1 });
    await hubServesOn();
  });

  test('maxDepth is the limit: 32 levels pass by default, 33 are refused', async () => {
    const c = await rawClient(hub.url, open);
    await c.hello();
    c.send(
      `[{"t":"pub","fqn":"deep/ok","value":${deepText(32)},"stamp":"${stamp}","ref":1},{"t":"pub","fqn":"deep/no","value":${deepText(33)},"stamp":"${stamp}","ref":2}]`,
    );
    await c.until(() => c.received.filter((m) => m.t === 'ack' || m.t === 'err').length === 2);
    expect(c.received.find((m) => m.t === 'ack')).toMatchObject({ ref: 1 });
    expect(c.received.find((m) => m.t === 'err')).toMatchObject({ ref: 2, code: 'VS_LIMIT' });
  });
});

test('a big first frame that does not begin with hello is refused before its messages are validated', async () => {
  const c = await rawClient(hub.url, open);
  const before = hub.stats();
  c.send([...Array.from({ length: 30_000 }, (_, n) => ({ t: 'ping', n })), { t: 'hello', versions: [1] }]);
  const closed = await c.closing();
  expect(closed.code).toBe(4002);
  expect(c.received).toEqual([expect.objectContaining({ code: 'VS_BAD_FRAME', message: 'the first message must be hello' })]);
  expect(hub.stats().messagesIn - before.messagesIn).toBe(0);
});

test('a first frame may carry more after its hello: they are applied and count against the rate limit', async () => {
  const c = await rawClient(hub.url, open);
  c.send([
    { t: 'hello', versions: [1] },
    { t: 'pub', fqn: 'first/x', value: 1, stamp: '0000000000010000', ref: 1 },
  ]);
  await c.next('welcome');
  expect(await c.next('ack')).toMatchObject({ ref: 1 });
  expect(hub.space.resolve('first/x')!.deref()).toBe(1);
});
