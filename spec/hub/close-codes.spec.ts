// Issue 14, defect 12 (part): the hub held to its documented close codes and `err` shapes, over
// the raw protocol (a real loopback WebSocket, no link). One spec per close code and per shape.
import { defineAppType, type HubHandle, type StartHubOptions } from '../../src/index.js';
import { z } from 'zod';
import { rawClient, type RawClient } from './raw-client.js';
import { loopbackHub } from '../support/loopback-hub.js';

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

function hubWith(options: StartHubOptions = {}): Promise<HubHandle> {
  return loopbackHub(open, options);
}

async function raw(hub: HubHandle): Promise<RawClient> {
  return rawClient(hub.url, open);
}

const STAMP = '0000000000010000';

describe('close codes', () => {
  test('1000: bye — the hub closes cleanly, with no err', async () => {
    const c = await raw(await hubWith());
    await c.hello();
    c.send([{ t: 'bye' }]);
    expect(await c.closing()).toEqual({ code: 1000, reason: 'bye' });
    expect(c.received.some((m) => m.t === 'err')).toBe(false);
  });

  test('1001: the hub is closing', async () => {
    const hub = await hubWith();
    const c = await raw(hub);
    await c.hello();
    await hub.close();
    expect(await c.closing()).toEqual({ code: 1001, reason: 'hub closing' });
  });

  test('1009: a frame over maxFrameBytes', async () => {
    const c = await raw(await hubWith({ limits: { maxFrameBytes: 10_000 } }));
    await c.hello();
    c.send([{ t: 'pub', fqn: 'a/b', value: 'x'.repeat(20_000), stamp: STAMP }]);
    expect((await c.closing()).code).toBe(1009);
  });

  describe('4002: a refused first frame, with its err first', () => {
    test.each([
      ['a bad first frame', [{ t: 'ping', n: 1 }], 'VS_BAD_FRAME'],
      ['an unsupported version', [{ t: 'hello', versions: [99] }], 'VS_UNSUPPORTED_VERSION'],
      ['bad attributes', [{ t: 'hello', versions: [1], attributes: { identity: 'not.a.token' } }], 'VS_INVALID_VALUE'],
      ['an unknown app type', [{ t: 'hello', versions: [1], attributes: { appType: 'nobody' } }], 'VS_INVALID_VALUE'],
    ])('%s', async (_label, frame, code) => {
      const hub = await hubWith({ appTypes: [defineAppType('counter', { count: z.number() })] });
      const c = await raw(hub);
      c.send(frame);
      const closed = await c.closing();
      expect(closed.code).toBe(4002);
      expect(closed.reason.startsWith(`${code} `)).toBe(true);
      expect(c.received).toEqual([expect.objectContaining({ t: 'err', code })]);
    });
  });

  test('4008: no hello in time', async () => {
    const c = await raw(await hubWith({ helloTimeoutMs: 100 }));
    const closed = await c.closing();
    expect(closed.code).toBe(4008);
    expect(closed.reason).toMatch(/^VS_BAD_FRAME no hello in time/);
    expect(c.received).toEqual([expect.objectContaining({ t: 'err', code: 'VS_BAD_FRAME' })]);
  });

  test('4029: throttled for too long', async () => {
    const c = await raw(await hubWith({ limits: { messagesPerSecond: 10, burst: 10, maxThrottledFrames: 3 } }));
    await c.hello();
    const burst = Array.from({ length: 50 }, (_, n) => ({ t: 'ping', n }));
    for (let i = 0; i < 6; i++) c.send(burst);
    const closed = await c.closing();
    expect(closed.code).toBe(4029);
    expect(closed.reason).toMatch(/^VS_LIMIT /);
    // each throttled frame before the close was answered with a whole-frame VS_LIMIT
    expect(c.received.filter((m) => m.t === 'err' && m.code === 'VS_LIMIT').length).toBeGreaterThanOrEqual(3);
  });

  test('4003: a resume whose token does not verify, for an id that is live — err VS_FORBIDDEN, then close', async () => {
    const hub = await hubWith();
    const first = await raw(hub);
    const welcome = await first.hello();
    const thief = await raw(hub);
    thief.send([{ t: 'hello', versions: [1], resume: { id: welcome.id, token: 'forged' } }]);
    const closed = await thief.closing();
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/^VS_FORBIDDEN /);
    expect(thief.received.map((m) => [m.t, m.code])).toEqual([['err', 'VS_FORBIDDEN']]);
    expect(first.closed()).toBeUndefined();
  });

  test('4003: an identity carried by a live instance, claimed without takeover', async () => {
    const hub = await hubWith();
    const holder = await raw(hub);
    await holder.hello({ attributes: { identity: 'dash-prod' } });
    const claimer = await raw(hub);
    claimer.send([{ t: 'hello', versions: [1], attributes: { identity: 'dash-prod' } }]);
    const closed = await claimer.closing();
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/^VS_FORBIDDEN /);
    expect(holder.closed()).toBeUndefined();
  });

  test('4009: the holder of an identity taken over is told why (err VS_FORBIDDEN), then closed', async () => {
    const hub = await hubWith();
    const holder = await raw(hub);
    await holder.hello({ attributes: { identity: 'dash-prod' } });
    const next = await raw(hub);
    await next.hello({ attributes: { identity: 'dash-prod' }, takeover: true });
    const closed = await holder.closing();
    expect(closed.code).toBe(4009);
    expect(closed.reason).toMatch(/^VS_FORBIDDEN /);
    expect(holder.received.some((m) => m.t === 'err' && m.code === 'VS_FORBIDDEN')).toBe(true);
  });

  test('4009: an instance resumed with its token on a new connection replaces the old one', async () => {
    const hub = await hubWith();
    const old = await raw(hub);
    const welcome = await old.hello();
    const replacement = await raw(hub);
    const resumed = await replacement.hello({ resume: { id: welcome.id, token: welcome.token } });
    expect(resumed.id).toBe(welcome.id);
    const closed = await old.closing();
    expect(closed.code).toBe(4009);
    expect(closed.reason).toMatch(/^VS_FORBIDDEN /);
  });

  test('1007: text that is not UTF-8 is closed by the WebSocket layer, and the hub serves on', async () => {
    const hub = await hubWith();
    const c = await raw(hub);
    await c.hello();
    // A text frame whose payload is not valid UTF-8 (0xff never appears in UTF-8).
    c.socket.send(Buffer.from([0x5b, 0xff, 0x5d]), { binary: false });
    expect((await c.closing()).code).toBe(1007);
    const after = await raw(hub);
    expect((await after.hello()).t).toBe('welcome');
  });

  test('4000: heartbeat timeout — the hub drops a client that answers no ping', async () => {
    const c = await raw(await hubWith({ heartbeat: { intervalMs: 30, timeoutMs: 150 } }));
    await c.hello();
    const closed = await c.closing();
    expect(closed.code).toBe(4000);
    expect(closed.reason).toMatch(/^VS_TIMEOUT /);
    expect(c.received.some((m) => m.t === 'ping' && Number.isInteger(m.n))).toBe(true);
  });
});

describe('err shapes', () => {
  test('a whole-frame refusal: code and message, no ref, fqn or refused; nothing applied', async () => {
    const hub = await hubWith();
    const c = await raw(hub);
    await c.hello();
    c.send([
      { t: 'pub', fqn: 'shape/a', value: 1, stamp: STAMP, ref: 1 },
      { t: 'pub', fqn: 'shape/b', value: 2, stamp: 'soon', ref: 2 },
    ]);
    const err = await c.next('err');
    expect(Object.keys(err).sort()).toEqual(['code', 'message', 't']);
    expect(err.code).toBe('VS_BAD_FRAME');
    expect(hub.space.resolve('shape/a')).toBeUndefined();
  });

  test('a refused pubs entry: fqn and refused (its stamp), no ref; the other entries apply', async () => {
    const hub = await hubWith();
    const c = await raw(hub);
    await c.hello();
    c.send([
      {
        t: 'pubs',
        w: [
          ['shape/ok', '0000000000020000', 1],
          ['shape..bad/x', '0000000000020001', 2],
        ],
      },
    ]);
    const err = await c.next('err');
    expect(err).toEqual({ t: 'err', code: 'VS_BAD_NAME', message: expect.any(String), fqn: 'shape..bad/x', refused: '0000000000020001' });
    expect(hub.space.resolve('shape/ok')!.deref()).toBe(1);
  });

  test('a request refusal: ref (and fqn, refused) name the request', async () => {
    const hub = await hubWith();
    const c = await raw(hub);
    await c.hello();
    c.send([{ t: 'pub', fqn: 'shape..bad/y', value: 1, stamp: STAMP, ref: 7 }]);
    expect(await c.next('err')).toEqual({
      t: 'err',
      code: 'VS_BAD_NAME',
      message: expect.any(String),
      ref: 7,
      fqn: 'shape..bad/y',
      refused: STAMP,
    });
  });

  test('a cas refusal carries the held state in current', async () => {
    const hub = await hubWith();
    const c = await raw(hub);
    const { id } = await c.hello();
    c.send([{ t: 'pub', fqn: 'shape/c', value: 'held', stamp: STAMP, ref: 1 }]);
    const ack = await c.next('ack');
    c.send([{ t: 'cas', fqn: 'shape/c', value: 'mine', stamp: '0000000000030000', rev: 0, ref: 2 }]);
    expect(await c.next('err')).toEqual({
      t: 'err',
      code: 'VS_CONFLICT',
      message: expect.any(String),
      ref: 2,
      fqn: 'shape/c',
      current: { value: 'held', stamp: STAMP, from: id, rev: ack.rev },
    });
  });

  test('a follow refusal: sid names the follow', async () => {
    const c = await raw(await hubWith());
    await c.hello();
    c.send([{ t: 'sub', sid: 3, pattern: 'a..b' }]);
    expect(await c.next('err')).toEqual({ t: 'err', code: 'VS_BAD_NAME', message: expect.any(String), sid: 3 });
  });
});

test('unknown attribute keys in hello are accepted and dropped (the known ones still checked)', async () => {
  const hub = await hubWith();
  const c = await raw(hub);
  const { id } = await c.hello({ attributes: { appName: 'raw', colour: 'red', 'x-future': 'yes' } });
  expect(hub.space.resolve<{ attributes: Record<string, string> }>(`$sys.instances/${id}`)!.deref().attributes).toEqual({ appName: 'raw' });
});
