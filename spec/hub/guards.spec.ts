import { firstValueFrom, filter, take, toArray } from 'rxjs';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import { waitFor } from '../sync/net-helpers.js';
import {
  ForbiddenError,
  Space,
  UnauthenticatedError,
  connect,
  defineAppType,
  startHub,
  type HubHandle,
  type Link,
  type StartHubOptions,
} from '../../src/index.js';
import { loopbackHub } from '../support/loopback-hub.js';

const closers: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

function hubWith(options: StartHubOptions): Promise<HubHandle> {
  return loopbackHub(closers, options);
}

async function linkTo(hub: HubHandle, options: Parameters<typeof connect>[1] = {}): Promise<{ link: Link; space: Space }> {
  const space = new Space();
  const link = await connect(hub.url, { space, ...options });
  closers.push(link);
  return { link, space };
}

/** Opens a raw WebSocket; resolves with the HTTP status of a refused upgrade, or the open socket. */
function rawUpgrade(
  url: string,
  options: { headers?: Record<string, string>; protocols?: string[] } = {},
): Promise<{ status?: number; socket?: WebSocket }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    socket.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode });
      socket.terminate();
    });
    socket.on('open', () => {
      closers.push({ close: () => socket.terminate() });
      resolve({ socket });
    });
    socket.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error);
    });
  });
}

describe('authentication', () => {
  const authenticate = ({ token }: { token: string | undefined }) =>
    token === 'secret' ? { name: 'ops', roles: ['admin'] } : token === 'reader' ? { name: 'viewer' } : undefined;

  test('a refused token is an HTTP 401 before the upgrade; connect rejects with UnauthenticatedError', async () => {
    const hub = await hubWith({ authenticate });
    expect((await rawUpgrade(hub.url)).status).toBe(401);
    expect((await rawUpgrade(`${hub.url}/?token=wrong`)).status).toBe(401);
    await expect(connect(hub.url, { space: new Space(), token: 'wrong', reconnect: false })).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(hub.stats().connections).toBe(0);
  });

  test('the token may come in Authorization, ?token= or Sec-WebSocket-Protocol', async () => {
    const hub = await hubWith({ authenticate });
    expect((await rawUpgrade(hub.url, { headers: { authorization: 'Bearer secret' } })).socket).toBeDefined();
    expect((await rawUpgrade(`${hub.url}/?token=secret`)).socket).toBeDefined();
    const viaProtocol = await rawUpgrade(hub.url, { protocols: ['varspace', 'token.secret'] });
    expect(viaProtocol.socket?.protocol).toBe('varspace');
  });

  test('the principal is attached to the instance', async () => {
    const hub = await hubWith({ authenticate });
    const { link } = await linkTo(hub, { token: 'secret' });
    const info = hub.space.resolve<{ principal: string }>(`$sys.instances/${link.instanceId}`)!.deref();
    expect(info.principal).toBe('ops');
  });
});

describe('authorization', () => {
  const authenticate = ({ token }: { token: string | undefined }) =>
    token ? { name: token, roles: token === 'root' ? ['admin'] : [] } : undefined;
  const authorize = {
    '*': { read: ['public.>', '$sys.instances/*'], write: ['public.>'] },
    admin: { read: ['>'], write: ['>'] },
  };

  test('forbidden data is never routed: a client allowed public.> that follows > never receives private/x', async () => {
    const hub = await hubWith({ authenticate, authorize });
    const { link: admin, space: adminSpace } = await linkTo(hub, { token: 'root' });
    adminSpace.intern('private/x', 'secret');
    adminSpace.intern('public/y', 'hello');
    await admin.share('>').synced;
    const { link: guest, space } = await linkTo(hub, { token: 'guest' });
    await guest.follow('>').synced;
    expect(space.resolve('public/y')!.deref()).toBe('hello');
    expect(space.resolve('private/x')).toBeUndefined();
    adminSpace.resolve('private/x')!.reset('still secret');
    adminSpace.resolve('public/y')!.reset('hi again');
    await firstValueFrom(space.ref$('public/y').pipe(filter((v) => v === 'hi again')));
    expect(space.findNs('private')).toBeUndefined();
  });

  test('a follow outside the read rules gets ForbiddenError', async () => {
    const hub = await hubWith({ authenticate, authorize });
    const { link } = await linkTo(hub, { token: 'guest' });
    const error = firstValueFrom(link.errors$);
    await link.follow('private.>').synced;
    expect(await error).toBeInstanceOf(ForbiddenError);
    expect(hub.stats().follows).toBe(0);
  });

  /** The rules above, with read (not write) access to everything for everyone. */
  const readable = { ...authorize, '*': { read: ['>', '$sys.instances/*'], write: ['public.>'] } };

  test('a refused set rejects with ForbiddenError; a writer that may read the var is corrected to the hub value, one that may not keeps its own', async () => {
    for (const rules of [readable, authorize]) {
      const hub = await hubWith({ authenticate, authorize: rules });
      const { link: admin } = await linkTo(hub, { token: 'root' });
      await admin.set('private/x', 'original');
      const { link: guest, space } = await linkTo(hub, { token: 'guest' });
      await expect(guest.set('private/x', 'hacked')).rejects.toBeInstanceOf(ForbiddenError);
      expect(space.resolve('private/x')!.deref()).toBe(rules === readable ? 'original' : 'hacked');
      expect(hub.space.resolve('private/x')!.deref()).toBe('original');
    }
  });

  test('a shared write outside the write rules is refused, and corrected where its writer may read the var', async () => {
    for (const rules of [readable, authorize]) {
      const hub = await hubWith({ authenticate, authorize: rules });
      const { link: admin } = await linkTo(hub, { token: 'root' });
      await admin.set('app/mode', 'safe');
      const { link: guest, space } = await linkTo(hub, { token: 'guest' });
      const errors = firstValueFrom(guest.errors$);
      space.intern('app/mode', 'unsafe');
      guest.share('app.>');
      expect(await errors).toBeInstanceOf(ForbiddenError);
      await guest.ping();
      expect(space.resolve('app/mode')!.deref()).toBe(rules === readable ? 'safe' : 'unsafe');
      expect(hub.space.resolve('app/mode')!.deref()).toBe('safe');
    }
  });
});

describe('origins', () => {
  test('by default a browser Origin naming another host is refused (403); no Origin passes', async () => {
    const hub = await hubWith({});
    expect((await rawUpgrade(hub.url, { headers: { origin: 'https://evil.example' } })).status).toBe(403);
    expect((await rawUpgrade(hub.url, { headers: { origin: `http://127.0.0.1:${hub.port}` } })).socket).toBeDefined();
    expect((await rawUpgrade(hub.url)).socket).toBeDefined();
  });

  test('allowedOrigins lists the origins that may connect', async () => {
    const hub = await hubWith({ allowedOrigins: ['https://app.example'] });
    expect((await rawUpgrade(hub.url, { headers: { origin: 'https://app.example' } })).socket).toBeDefined();
    expect((await rawUpgrade(hub.url, { headers: { origin: `http://127.0.0.1:${hub.port}` } })).status).toBe(403);
  });
});

describe('limits', () => {
  test('value size and nesting depth', async () => {
    const hub = await hubWith({ limits: { maxValueBytes: 1000, maxDepth: 4 } });
    const { link } = await linkTo(hub);
    await expect(link.set('l/big', 'x'.repeat(2000))).rejects.toMatchObject({ code: 'VS_LIMIT' });
    await expect(link.set('l/deep', { a: { b: { c: { d: { e: 1 } } } } })).rejects.toMatchObject({ code: 'VS_LIMIT' });
    await expect(link.set('l/ok', { a: { b: 1 } })).resolves.toMatchObject({ rev: expect.any(Number) });
    expect(hub.space.resolve('l/big')).toBeUndefined();
  });

  test('vars and follows per connection', async () => {
    const hub = await hubWith({ limits: { maxVarsPerConnection: 3, maxFollowsPerConnection: 2 } });
    const { link } = await linkTo(hub);
    for (let i = 0; i < 3; i++) await link.set(`v/x${i}`, i);
    await expect(link.set('v/x3', 3)).rejects.toMatchObject({ code: 'VS_LIMIT' });
    await expect(link.set('v/x0', 10)).resolves.toBeDefined();
    link.follow('a.>');
    link.follow('b.>');
    const error = firstValueFrom(link.errors$);
    link.follow('c.>');
    expect(await error).toMatchObject({ code: 'VS_LIMIT' });
    expect(hub.stats().follows).toBe(2);
  });

  test('frame bytes: a frame over the limit closes the connection with 1009', async () => {
    const hub = await hubWith({ limits: { maxFrameBytes: 10_000 } });
    const { socket } = await rawUpgrade(hub.url);
    const closed = new Promise<number>((resolve) => socket!.on('close', (code) => resolve(code)));
    socket!.send(JSON.stringify([{ t: 'hello', versions: [1] }]));
    socket!.send(JSON.stringify([{ t: 'pub', fqn: 'a/b', value: 'x'.repeat(20_000), stamp: '0000000000010000' }]));
    expect(await closed).toBe(1009);
  });

  test('message rate: throttled with VS_LIMIT, then closed if it persists', async () => {
    const hub = await hubWith({ limits: { messagesPerSecond: 10, burst: 10, maxThrottledFrames: 3 } });
    const { socket } = await rawUpgrade(hub.url);
    const received: any[] = [];
    socket!.on('message', (data) => received.push(...JSON.parse(String(data))));
    const closed = new Promise<number>((resolve) => socket!.on('close', (code) => resolve(code)));
    socket!.send(JSON.stringify([{ t: 'hello', versions: [1] }]));
    const burst = Array.from({ length: 50 }, (_, n) => ({ t: 'ping', n }));
    for (let i = 0; i < 6; i++) socket!.send(JSON.stringify(burst));
    expect(await closed).toBe(4029);
    expect(received.some((m) => m.t === 'err' && m.code === 'VS_LIMIT')).toBe(true);
  });

  test('message rate: the writes of a batch count one by one', async () => {
    const hub = await hubWith({ limits: { messagesPerSecond: 10, burst: 10 } });
    const { socket } = await rawUpgrade(hub.url);
    const received: any[] = [];
    socket!.on('message', (data) => received.push(...JSON.parse(String(data))));
    socket!.send(JSON.stringify([{ t: 'hello', versions: [1] }]));
    const w = Array.from({ length: 20 }, (_, i) => [`rate/v${i}`, '0000000000010000', i]);
    socket!.send(JSON.stringify([{ t: 'pubs', w }]));
    await waitFor(() => received.some((m) => m.t === 'err'), 'the refusal');
    expect(received.find((m) => m.t === 'err')).toMatchObject({ code: 'VS_LIMIT' });
    expect(hub.space.findNs('rate')).toBeUndefined();
  });
});

describe('heartbeats and presence', () => {
  test('the hub drops a peer that stops answering, and it leaves', async () => {
    const hub = await hubWith({ heartbeat: { intervalMs: 30, timeoutMs: 120 } });
    const { link: watcher } = await linkTo(hub, { heartbeat: false });
    const events = watcher.instances$().pipe(take(3), toArray());
    const seen = firstValueFrom(events);
    const { socket } = await rawUpgrade(hub.url);
    socket!.send(JSON.stringify([{ t: 'hello', versions: [1], attributes: { appName: 'silent' } }]));
    const closed = new Promise<number>((resolve) => socket!.on('close', (code) => resolve(code)));
    // a raw client answers no ping: the hub must give up on it
    expect(await closed).toBe(4000);
    const [current, join, leave] = await seen;
    expect(current.type).toBe('current');
    expect(join).toMatchObject({ type: 'join', instance: { attributes: { appName: 'silent' } } });
    expect(leave).toMatchObject({ type: 'leave', instance: { attributes: { appName: 'silent' } } });
  });

  test('a link notices a dead hub and reconnects', async () => {
    // A hub that welcomes, then never says anything again (a hung process).
    const mute = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    closers.push({
      close: () =>
        new Promise((resolve) => {
          for (const c of mute.clients) c.terminate();
          mute.close(resolve);
        }),
    });
    let welcomes = 0;
    mute.on('connection', (socket) => {
      socket.once('message', () => {
        welcomes++;
        socket.send(
          JSON.stringify([
            { t: 'welcome', version: 1, id: '00000000-0000-4000-8000-000000000001', token: 't', hub: 'mute', epoch: 'e', time: Date.now() },
          ]),
        );
      });
    });
    await new Promise((resolve) => mute.once('listening', resolve));
    const url = `ws://127.0.0.1:${(mute.address() as { port: number }).port}`;
    const link = await connect(url, {
      space: new Space(),
      heartbeat: { intervalMs: 30, timeoutMs: 120 },
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    closers.push(link);
    const statuses = await firstValueFrom(link.status$.pipe(take(3), toArray()));
    expect(statuses).toEqual(['open', 'reconnecting', 'open']);
    expect(welcomes).toBe(2);
  });

  test('instances$ filters by attributes; a clean close leaves at once', async () => {
    const hub = await hubWith({});
    const { link: watcher } = await linkTo(hub);
    await linkTo(hub, { attributes: { role: 'worker', appName: 'w1' } });
    await linkTo(hub, { attributes: { role: 'ui' } });
    const events: any[] = [];
    watcher.instances$({ role: 'worker' }).subscribe((e) => events.push(e));
    const deadline = Date.now() + 3000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(events[0].type).toBe('current');
    expect(events[0].instances.map((i: any) => i.attributes.appName)).toEqual(['w1']);
    const w2 = await linkTo(hub, { attributes: { role: 'worker', appName: 'w2' } });
    while (events.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(events[1]).toMatchObject({ type: 'join', instance: { attributes: { appName: 'w2' } } });
    await w2.link.close();
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(events[2]).toMatchObject({ type: 'leave', instance: { instanceId: w2.link.instanceId } });
  });
});

describe('identities, app types, ownership', () => {
  test('identity$ follows restarts; a second live claim is refused unless takeover', async () => {
    const hub = await hubWith({});
    const { link: watcher } = await linkTo(hub);
    const ids: (string | undefined)[] = [];
    watcher.identity$('dashboard-prod').subscribe((id) => ids.push(id));
    const first = await linkTo(hub, { attributes: { identity: 'dashboard-prod' } });
    expect(await watcher.resolveIdentity('dashboard-prod')).toBe(first.link.instanceId);
    await expect(
      connect(hub.url, { space: new Space(), attributes: { identity: 'dashboard-prod' }, reconnect: false }),
    ).rejects.toBeInstanceOf(ForbiddenError);
    const second = await linkTo(hub, { attributes: { identity: 'dashboard-prod' }, takeover: true });
    const deadline = Date.now() + 3000;
    while (ids[ids.length - 1] !== second.link.instanceId && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(ids).toContain(first.link.instanceId);
    expect(ids[ids.length - 1]).toBe(second.link.instanceId);
  });

  test('an instance that declares an app type may not break its contract', async () => {
    const dashboard = defineAppType('dashboard-server', { 'app-state': z.object({ count: z.number() }) });
    const hub = await hubWith({ appTypes: [dashboard] });
    const { link } = await linkTo(hub, { attributes: { appType: 'dashboard-server' } });
    await expect(link.set('dash.prod/app-state', { count: 1 })).resolves.toBeDefined();
    await expect(link.set('dash.prod/app-state', { count: 'many' })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
    expect(hub.space.resolve('dash.prod/app-state')!.deref()).toEqual({ count: 1 });
    await expect(connect(hub.url, { space: new Space(), attributes: { appType: 'unknown-type' }, reconnect: false })).rejects.toMatchObject(
      { code: 'VS_INVALID_VALUE' },
    );
  });

  test('owned vars are unmapped when their owner leaves and does not come back in time', async () => {
    const hub = await hubWith({ ownership: { graceMs: 50 } });
    const { link: owner, space } = await linkTo(hub);
    space.intern('jobs/lease', 'mine');
    space.intern('jobs/shared', 'kept');
    await owner.share('jobs/lease', { owned: true }).synced;
    await owner.share('jobs/shared').synced;
    expect(hub.space.resolve('jobs/lease')!.meta.owner).toBe(owner.instanceId);
    await owner.close();
    await firstValueFrom(hub.space.events$('jobs/lease').pipe(filter((e) => e.type === 'var-unmapped')));
    expect(hub.space.resolve('jobs/lease')).toBeUndefined();
    expect(hub.space.resolve('jobs/shared')!.deref()).toBe('kept');
  });

  test('ownership can mark vars stale instead', async () => {
    const hub = await hubWith({ ownership: { graceMs: 20, onLeave: 'stale' } });
    const { link: owner, space } = await linkTo(hub);
    space.intern('jobs/lease', 'mine');
    await owner.share('jobs.>', { owned: true }).synced;
    await owner.close();
    await firstValueFrom(hub.space.events$('jobs/lease').pipe(filter((e) => e.type === 'meta-changed' && e.meta.stale === true)));
    expect(hub.space.resolve('jobs/lease')!.deref()).toBe('mine');
  });
});

test('GET /metrics speaks the Prometheus text format', async () => {
  const hub = await hubWith({});
  await linkTo(hub);
  const text = await (await fetch(`${hub.httpUrl}/metrics`)).text();
  expect(text).toMatch(/^# HELP varspace_hub_connections /m);
  expect(text).toMatch(/^varspace_hub_connections 1$/m);
  expect(text).toMatch(/^varspace_hub_messages_in_total \d+$/m);
});

test('bad options are refused with typed errors before anything starts', async () => {
  await expect(startHub({ port: 0, limits: { maxDepth: -1 } })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
  await expect(startHub({ port: 0, limits: { maxFrames: 1 } as never })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
  await expect(startHub({ port: 0, authorize: { '*': { read: ['a..b'] } } })).rejects.toMatchObject({ code: 'VS_BAD_NAME' });
  await expect(startHub({ port: 0, authorize: { '*': { reed: ['>'] } } as never })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
});
