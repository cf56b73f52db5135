import { Space, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import { rawClient, type RawClient } from './raw-client.js';

let hub: HubHandle;
const open: { close(): unknown }[] = [];

beforeEach(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  await hub.close();
});

/** A raw protocol client on this test's hub (closed after the test). */
function raw(): Promise<RawClient> {
  return rawClient(hub.url, open);
}

async function linked(): Promise<{ link: Link; space: Space }> {
  const space = new Space();
  const link = await connect(hub.url, { space });
  open.push(link);
  return { link, space };
}

test('hello negotiates the version and welcome assigns an id and a resume token', async () => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [1], attributes: { appName: 'raw' } }]);
  const welcome = await c.next('welcome');
  expect(welcome).toMatchObject({ version: 1, hub: hub.hub.id });
  expect(welcome.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(typeof welcome.token).toBe('string');
});

test('an unsupported version gets a typed error, then a clean close', async () => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [99] }]);
  const err = await c.next('err');
  expect(err.code).toBe('VS_UNSUPPORTED_VERSION');
  await c.until(() => c.closed() !== undefined);
  expect(c.closed()!.code).toBe(4002);
});

test.each([
  ['not JSON', '{nope'],
  ['not an array', '{"t":"ping","n":1}'],
  ['unknown message type', [{ t: 'explode' }]],
  ['a bad stamp', [{ t: 'pub', fqn: 'a/b', value: 1, stamp: 'yesterday' }]],
  ['a missing field', [{ t: 'pub', fqn: 'a/b', stamp: '0000000000010000', ref: 'x' }]],
  [
    'a batch entry with a bad stamp',
    [
      {
        t: 'pubs',
        w: [
          ['a/b', '0000000000010000', 1],
          ['a/c', 'soon', 2],
        ],
      },
    ],
  ],
  ['a batch entry that is not an array', [{ t: 'pubs', w: [{ fqn: 'a/b', stamp: '0000000000010000', value: 1 }] }]],
  ['a batch entry too long', [{ t: 'pubs', w: [['a/b', '0000000000010000', 1, 'extra']] }]],
  ['an empty batch', [{ t: 'pubs', w: [] }]],
])('a malformed frame (%s) gets VS_BAD_FRAME and changes nothing', async (_label, frame) => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  await c.next('welcome');
  const before = hub.stats().vars;
  c.send(frame);
  const err = await c.next('err');
  expect(err.code).toBe('VS_BAD_FRAME');
  expect(hub.stats().vars).toBe(before);
  // the connection is still usable
  c.send([{ t: 'ping', n: 7 }]);
  expect(await c.next('pong')).toEqual({ t: 'pong', n: 7 });
});

test('one bad message refuses the whole frame: the good ones before it are not applied', async () => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  await c.next('welcome');
  c.send([
    { t: 'pub', fqn: 'good/one', value: 1, stamp: '0000000000010000' },
    { t: 'pub', fqn: 'bad/two', value: 2, stamp: 'nope' },
  ]);
  await c.next('err');
  expect(hub.space.resolve('good/one')).toBeUndefined();
});

test('a malformed batch entry names its place in the error', async () => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  await c.next('welcome');
  c.send([
    { t: 'ping', n: 1 },
    {
      t: 'pubs',
      w: [
        ['a/b', '0000000000010000', 1],
        ['', '0000000000010000', 2],
      ],
    },
  ]);
  const err = await c.next('err');
  expect(err.code).toBe('VS_BAD_FRAME');
  expect(err.message).toContain('message 1 (pubs) is invalid at w.1');
  expect(c.received.some((m) => m.t === 'pong')).toBe(false);
});

test('a batch of writes applies each one: a refused entry gets its own err (with the held state), the others apply', async () => {
  const { link, space } = await linked();
  await link.follow('batch.>').synced;
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  const { id } = await c.next('welcome');
  c.send([{ t: 'pub', fqn: 'batch/held', value: 'first', stamp: '0000000000200000', ref: 1 }]);
  await c.next('ack');
  const messagesBefore = hub.stats().messagesIn;
  c.send([
    {
      t: 'pubs',
      w: [
        ['batch/a', '0000000000300000', { n: 1 }],
        ['batch..bad/b', '0000000000300001', 2],
        ['batch/held', '0000000000100000', 'older'],
        ['batch/c', '0000000000300002'],
      ],
    },
  ]);
  const err = await c.next('err');
  expect(err).toMatchObject({ code: 'VS_BAD_NAME', fqn: 'batch..bad/b', refused: '0000000000300001' });
  // the older write is answered with the held state, in an `upds` of its writer
  await c.until(() => c.received.some((m) => m.t === 'upds'));
  expect(c.received.find((m) => m.t === 'upds')).toEqual({
    t: 'upds',
    from: id,
    u: [['batch/held', '0000000000200000', expect.any(Number), 'first']],
  });
  await space.await('batch/c', { timeoutMs: 2000 });
  expect(space.resolve('batch/a')!.deref()).toEqual({ n: 1 });
  expect(space.resolve('batch/c')!.bound).toBe(true);
  expect(space.resolve('batch/c')!.deref()).toBeUndefined();
  expect(space.resolve('batch/held')!.deref()).toBe('first');
  expect(
    hub.space
      .match('batch.>')
      .map((v) => v.fqn)
      .sort(),
  ).toEqual(['batch/a', 'batch/c', 'batch/held']);
  // each entry counts as a message
  expect(hub.stats().messagesIn - messagesBefore).toBe(4);
});

test('a bad name in a valid frame is refused with VS_BAD_NAME', async () => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  await c.next('welcome');
  c.send([{ t: 'pub', fqn: 'a..b/c', value: 1, stamp: '0000000000010000', ref: 1 }]);
  const err = await c.next('err');
  expect(err).toMatchObject({ code: 'VS_BAD_NAME', ref: 1 });
  expect(hub.space.findNs('a')).toBeUndefined();
});

test('the first message must be hello', async () => {
  const c = await raw();
  c.send([{ t: 'ping', n: 1 }]);
  expect((await c.next('err')).code).toBe('VS_BAD_FRAME');
  await c.until(() => c.closed() !== undefined);
});

test('the hub stamps from itself: a client cannot speak for another instance', async () => {
  const { link: victim } = await linked();
  const { link: reader, space } = await linked();
  await reader.follow('spoof.>').synced;
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  const { id } = await c.next('welcome');
  c.send([{ t: 'pub', fqn: 'spoof/x', value: 1, stamp: '0000000000010000', from: victim.instanceId }]);
  const v = await space.await('spoof/x', { timeoutMs: 2000 });
  const change = await new Promise<any>((resolve) => reader.remote$('spoof/x').subscribe(resolve));
  expect(change.from).toBe(id);
  expect(change.from).not.toBe(victim.instanceId);
  expect(v.deref()).toBe(1);
});

test('a client may not claim an instance id that is live elsewhere', async () => {
  const { link } = await linked();
  const c = await raw();
  c.send([{ t: 'hello', versions: [1], resume: { id: link.instanceId, token: 'guess' } }]);
  const err = await c.next('err');
  expect(err.code).toBe('VS_FORBIDDEN');
  await c.until(() => c.closed() !== undefined);
  expect(link.status$.value).toBe('open');
});

test('a resume id that is not an instance id is refused: it cannot smuggle fields into the frames of followers', async () => {
  const { link, space } = await linked();
  await link.follow('p.>').synced;
  const c = await raw();
  c.send([{ t: 'hello', versions: [1], resume: { id: 'x","value":"forged', token: 't' } }]);
  const err = await c.next('err');
  expect(err.code).toBe('VS_BAD_FRAME');
  expect(err.message).toContain('instance id');
  expect(c.received.some((m) => m.t === 'welcome')).toBe(false);
  // A bad first frame closes the connection (issue 14: one frame before hello); a new connection
  // that says a proper hello is welcomed, and its writes arrive as written.
  await c.until(() => c.closed() !== undefined);
  expect(c.closed()!.code).toBe(4002);
  const d = await raw();
  d.send([{ t: 'hello', versions: [1] }]);
  await d.next('welcome');
  d.send([{ t: 'pub', fqn: 'p/x', value: 'real', stamp: '0000000000100000' }]);
  await space.await('p/x', { timeoutMs: 2000 });
  expect(space.resolve('p/x')!.deref()).toBe('real');
  expect(hub.space.resolve('p/x')!.deref()).toBe('real');
});

test('a client cannot write system vars', async () => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  const { id } = await c.next('welcome');
  c.send([{ t: 'pub', fqn: `$sys.instances/${id}`, value: 'forged', stamp: 'ffffffffffff0000', ref: 3 }]);
  const err = await c.next('err');
  expect(err).toMatchObject({ code: 'VS_RESERVED_NAME', ref: 3 });
  expect((hub.space.resolve(`$sys.instances/${id}`)!.deref() as any).instanceId).toBe(id);
});

test('an older write loses to the one held, and the writer is corrected', async () => {
  const c = await raw();
  c.send([{ t: 'hello', versions: [1] }]);
  await c.next('welcome');
  c.send([{ t: 'pub', fqn: 'lww/x', value: 'new', stamp: '0000000000200000', ref: 1 }]);
  await c.next('ack');
  c.send([{ t: 'pub', fqn: 'lww/x', value: 'old', stamp: '0000000000100000', ref: 2 }]);
  await c.until(() => c.received.some((m) => m.t === 'upds'));
  expect(c.received.find((m) => m.t === 'upds')).toMatchObject({
    from: expect.any(String),
    u: [['lww/x', '0000000000200000', expect.any(Number), 'new']],
  });
  expect(hub.space.resolve('lww/x')!.deref()).toBe('new');
});

test('GET /health and /stats answer JSON', async () => {
  const health = await (await fetch(`${hub.httpUrl}/health`)).json();
  expect(health).toMatchObject({ ok: true });
  await linked();
  const stats = await (await fetch(`${hub.httpUrl}/stats`)).json();
  expect(stats.connections).toBe(1);
});
