// Attacks on the hub's corrections, resume tokens and identities, over real loopback sockets: a
// refused write must not leak a value its writer may not read; a resume must not take an id it
// cannot prove; a takeover must not steal another principal's identity.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import {
  ClosedError,
  ConflictError,
  ForbiddenError,
  Space,
  TimeoutError,
  connect,
  fileStore,
  startHub,
  type HubHandle,
  type Link,
  type StartHubOptions,
  type VarspaceError,
} from '../../src/index.js';
import { connectWs } from '../../src/transport/ws-node.js';
import type { TransportFactory } from '../../src/transport/transport.js';
import { TcpProxy, sleep, waitFor } from '../sync/net-helpers.js';
import { loopbackHub } from '../support/loopback-hub.js';

const closers: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

const SECRET = 'a-cluster-secret-of-at-least-32-characters';

function hubWith(options: StartHubOptions = {}): Promise<HubHandle> {
  return loopbackHub(closers, options);
}

/** A transport factory that keeps every raw frame the hub sent (to look for leaked values in them). */
function recording(url: () => string, token?: string): { factory: TransportFactory; frames: string[] } {
  const frames: string[] = [];
  const factory: TransportFactory = async () => {
    const inner = await connectWs(token === undefined ? url() : `${url()}/?token=${token}`, { openTimeoutMs: 2000 });
    return {
      get isOpen() {
        return inner.isOpen;
      },
      get bufferedAmount() {
        return inner.bufferedAmount;
      },
      send: (frame) => inner.send(frame),
      close: (code, reason) => inner.close(code, reason),
      listen: (handlers) =>
        inner.listen({
          ...handlers,
          frame(data) {
            frames.push(data);
            handlers.frame(data);
          },
        }),
    };
  };
  return { factory, frames };
}

async function linkTo(
  target: string | TransportFactory,
  options: Parameters<typeof connect>[1] = {},
): Promise<{ link: Link; space: Space }> {
  const space = new Space();
  const link = await connect(target, { space, ...options });
  closers.push(link);
  return { link, space };
}

/** A client speaking the protocol by hand: sends frames, collects every message, sees the close. */
async function raw(url: string) {
  const socket = new WebSocket(url);
  const received: any[] = [];
  let closed: number | undefined;
  socket.on('message', (data) => received.push(...JSON.parse(String(data))));
  socket.on('close', (code) => (closed = code));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  closers.push({ close: () => socket.terminate() });
  return {
    received,
    closed: () => closed,
    send: (frame: unknown) => socket.send(JSON.stringify(frame)),
    next: async (t: string) => {
      await waitFor(() => received.some((m) => m.t === t) || closed !== undefined, `a ${t} message`, 3000);
      return received.find((m) => m.t === t);
    },
  };
}

/** The welcome a link got (its id and resume token), from its recorded frames. */
function welcomeOf(frames: string[]): { id: string; token: string } {
  for (const frame of frames) for (const message of JSON.parse(frame)) if (message.t === 'welcome') return message;
  throw new Error('no welcome recorded');
}

async function rejection(promise: Promise<unknown>): Promise<VarspaceError> {
  try {
    await promise;
  } catch (error) {
    return error as VarspaceError;
  }
  throw new Error('expected a rejection');
}

describe('value leak: a refused write is corrected only with what its writer may read', () => {
  const authenticate = ({ token }: { token: string | undefined }) =>
    token === 'admin'
      ? { name: 'admin' }
      : token === 'mallory'
        ? { name: 'mallory' }
        : token === 'dropper'
          ? { name: 'dropper' }
          : undefined;
  const authorize = {
    admin: { read: ['>'], write: ['>'] },
    mallory: { read: ['public.>'], write: ['public.>'] },
    dropper: { read: ['public.>'], write: ['public.>', 'drop.>'] },
  };

  test('a forbidden set, cas, shared write and unmap carry no current and never set the local var', async () => {
    const hub = await hubWith({ authenticate, authorize });
    const { link: admin } = await linkTo(hub.url, { token: 'admin' });
    await admin.set('secret/x', 'classified-1');
    const spy = recording(() => hub.url, 'mallory');
    const { link, space } = await linkTo(spy.factory);
    const seen: unknown[] = [];
    space.intern('secret/x').subscribe((v) => seen.push(v));

    const set = await rejection(link.set('secret/x', 'mine'));
    expect(set).toBeInstanceOf(ForbiddenError);
    expect(set.details?.current).toBeUndefined();
    const cas = await rejection(link.cas('secret/x', 1, 'mine'));
    expect(cas).toBeInstanceOf(ForbiddenError);
    expect(cas.details?.current).toBeUndefined();
    const refusals: VarspaceError[] = [];
    link.errors$.subscribe((e) => refusals.push(e));
    space.intern('secret/x').reset('shared-write');
    link.share('secret.>');
    await waitFor(() => refusals.length >= 1, 'the shared write to be refused');
    space.unmap('secret/x');
    await waitFor(() => refusals.length >= 2, 'the unmap to be refused');
    await link.ping();

    expect(refusals.map((e) => e.code)).toEqual(['VS_FORBIDDEN', 'VS_FORBIDDEN']);
    expect(refusals.every((e) => e.details?.current === undefined)).toBe(true);
    expect(spy.frames.join('\n')).not.toContain('classified');
    expect(seen).not.toContain('classified-1');
    expect(hub.space.resolve('secret/x')!.deref()).toBe('classified-1');
  });

  test('a write-only principal is not corrected with the held value after an older write, a cas conflict or a validator refusal', async () => {
    const hub = await hubWith({ authenticate, authorize });
    const spy = recording(() => hub.url, 'dropper');
    // Its clock stands still from its welcome on (links take the hub's time at the welcome): every
    // write it makes is older than the ones the admin makes after that.
    const { link, space } = await linkTo(spy.factory, { now: () => 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { link: admin } = await linkTo(hub.url, { token: 'admin' });
    await admin.set('drop/x', 'classified-2');
    await admin.set('drop/v', 'classified-3');
    hub.space.resolve('drop/v')!.setValidator((v) => v !== 'bad');
    const seen: unknown[] = [];
    space.intern('drop/x').subscribe((v) => seen.push(v));
    space.intern('drop/v').subscribe((v) => seen.push(v));

    await link.set('drop/x', 'older'); // lost to the held write (last writer wins): acked, not corrected
    const cas = await rejection(link.cas('drop/x', 0, 'mine'));
    expect(cas).toBeInstanceOf(ConflictError);
    expect(cas.details?.current).toBeUndefined();
    const { link: fresh } = await linkTo(recording(() => hub.url, 'dropper').factory);
    const invalid = await rejection(fresh.set('drop/v', 'bad'));
    expect(invalid.code).toBe('VS_INVALID_VALUE');
    expect(invalid.details?.current).toBeUndefined();
    space.unmap('drop/x'); // not shared: nothing sent; an explicit older del through a share:
    space.intern('drop/y', 'mine');
    link.share('drop.>');
    space.unmap('drop/y');
    await link.ping();

    expect(spy.frames.join('\n')).not.toContain('classified');
    expect(spy.frames.some((f) => f.includes('"upds"'))).toBe(false);
    expect(seen.filter((v) => typeof v === 'string' && v.startsWith('classified'))).toEqual([]);
    expect(hub.space.resolve('drop/x')!.deref()).toBe('classified-2');
    expect(hub.space.resolve('drop/v')!.deref()).toBe('classified-3');
  });
});

describe('instance-id theft by resume: an unverifiable resume gets a fresh id', () => {
  test("a resume as the hub's own id gets a fresh id", async () => {
    const hub = await hubWith();
    const c = await raw(hub.url);
    c.send([{ t: 'hello', versions: [1], resume: { id: hub.hub.id, token: 'forged' } }]);
    const welcome = await c.next('welcome');
    expect(welcome.id).not.toBe(hub.hub.id);
    c.send([{ t: 'pub', fqn: 'as/hub', value: 1, stamp: '0000000000010000', ref: 1 }]);
    await c.next('ack');
    expect(hub.hub.store.get('as/hub')!.from).toBe(welcome.id);
  });

  test('a resume as a departed id after resumeTtlMs gets a fresh id', async () => {
    const hub = await hubWith({ resumeTtlMs: 20 });
    const { link } = await linkTo(hub.url);
    const departed = link.instanceId;
    await link.close();
    await waitFor(() => hub.stats().connections === 0, 'the link to leave');
    await sleep(60);
    const c = await raw(hub.url);
    c.send([{ t: 'hello', versions: [1], resume: { id: departed, token: 'forged' } }]);
    const welcome = await c.next('welcome');
    expect(welcome.id).not.toBe(departed);
  });

  test('a resume of any id after a hub restart (memory store) gets a fresh id; the link adopts it and keeps its writes', async () => {
    const first = await startHub({ port: 0, host: '127.0.0.1' });
    const port = first.port;
    const spy = recording(() => `ws://127.0.0.1:${port}`);
    const { link } = await linkTo(spy.factory, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const { id: oldId, token: oldToken } = welcomeOf(spy.frames);
    const ids: string[] = [];
    link.instanceId$.subscribe((id) => ids.push(id));
    await link.set('own/x', 'kept');
    await first.close();
    await waitFor(() => link.status$.value === 'reconnecting', 'the link to notice');
    const second = await hubWith({ port });
    await waitFor(() => link.status$.value === 'open', 'the link to come back');
    expect(link.instanceId).not.toBe(oldId);
    expect(ids).toEqual([oldId, link.instanceId]);
    // Its write, sent again under the new id, is there.
    await link.ping();
    await waitFor(() => second.hub.store.get('own/x') !== undefined, 'the write to be sent again');
    expect(second.hub.store.get('own/x')).toMatchObject({ value: 'kept', from: link.instanceId });
    // Someone replaying the old id and token gets a fresh id too.
    const c = await raw(second.url);
    c.send([{ t: 'hello', versions: [1], resume: { id: oldId, token: oldToken } }]);
    const welcome = await c.next('welcome');
    expect([oldId, link.instanceId, second.hub.id]).not.toContain(welcome.id);
  });

  test("a resume with another principal's token gets a fresh id; its own principal resumes", async () => {
    const authenticate = ({ token }: { token: string | undefined }) => (token === 'alice' || token === 'bob' ? { name: token } : undefined);
    const hub = await hubWith({ authenticate, resumeTtlMs: 20 });
    const alice = await raw(`${hub.url}/?token=alice`);
    alice.send([{ t: 'hello', versions: [1] }]);
    const issued = await alice.next('welcome');
    alice.send([{ t: 'bye' }]);
    await waitFor(() => hub.stats().connections === 0, 'alice to leave');
    await sleep(60);
    const bob = await raw(`${hub.url}/?token=bob`);
    bob.send([{ t: 'hello', versions: [1], resume: { id: issued.id, token: issued.token } }]);
    expect((await bob.next('welcome')).id).not.toBe(issued.id);
    const again = await raw(`${hub.url}/?token=alice`);
    again.send([{ t: 'hello', versions: [1], resume: { id: issued.id, token: issued.token } }]);
    expect((await again.next('welcome')).id).toBe(issued.id);
  });

  test('a durable hub restarted: an honest link resumes its own id (the secret is kept, mode 0600)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varspace-secret-'));
    closers.push({ close: () => rm(dir, { recursive: true, force: true }) });
    const first = await startHub({ port: 0, host: '127.0.0.1', store: await fileStore(dir) });
    const port = first.port;
    const { link } = await linkTo(`ws://127.0.0.1:${port}`, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const id = link.instanceId;
    await first.close();
    await waitFor(() => link.status$.value === 'reconnecting', 'the link to notice');
    await hubWith({ port, store: await fileStore(dir) });
    await waitFor(() => link.status$.value === 'open', 'the link to come back');
    expect(link.instanceId).toBe(id);
    expect((await stat(join(dir, 'secret'))).mode & 0o777).toBe(0o600);
  });

  test('hubs sharing a secret verify each other’s tokens; a secret under 32 characters is refused', async () => {
    await expect(startHub({ port: 0, secret: 'too-short' })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
    const a = await hubWith({ secret: SECRET });
    const b = await hubWith({ secret: SECRET });
    const c = await raw(a.url);
    c.send([{ t: 'hello', versions: [1] }]);
    const issued = await c.next('welcome');
    c.send([{ t: 'bye' }]);
    const d = await raw(b.url);
    d.send([{ t: 'hello', versions: [1], resume: { id: issued.id, token: issued.token } }]);
    expect((await d.next('welcome')).id).toBe(issued.id);
  });
});

describe('identity theft by takeover', () => {
  const authenticate = ({ token }: { token: string | undefined }) =>
    token === 'alice' || token === 'bob' ? { name: token } : token === 'carol' ? { name: 'carol', roles: ['ops'] } : undefined;

  test('another principal may not take over an identity; the same principal may, and the replaced link stops and says why', async () => {
    const hub = await hubWith({ authenticate });
    const { link: first } = await linkTo(hub.url, {
      token: 'alice',
      attributes: { identity: 'dash' },
      reconnect: { initialDelayMs: 10, maxDelayMs: 50 },
    });
    const stolen = await rejection(
      connect(hub.url, { space: new Space(), token: 'bob', attributes: { identity: 'dash' }, takeover: true, reconnect: false }),
    );
    expect(stolen).toBeInstanceOf(ForbiddenError);
    expect(first.status$.value).toBe('open');

    const errors: VarspaceError[] = [];
    first.errors$.subscribe((e) => errors.push(e));
    let reasonAtClose: VarspaceError | undefined;
    first.status$.subscribe((s) => s === 'closed' && (reasonAtClose = first.closeReason));
    const { link: second } = await linkTo(hub.url, { token: 'alice', attributes: { identity: 'dash' }, takeover: true });
    await waitFor(() => first.status$.value === 'closed', 'the replaced link to close');
    expect(reasonAtClose).toBeInstanceOf(ForbiddenError);
    expect(errors.some((e) => e === first.closeReason)).toBe(true);
    const reconnects = first.stats().reconnects;
    await sleep(100);
    expect(first.stats().reconnects).toBe(reconnects);
    expect(await second.resolveIdentity('dash')).toBe(second.instanceId);
  });

  test('claiming an identity is subject to the identities rules; a rule may allow a takeover across principals', async () => {
    const authorize = {
      '*': { read: ['>', '$sys.>'], write: ['>'] },
      alice: { identities: ['dash'] },
      ops: { identities: ['dash-*', 'dash'] },
    };
    const hub = await hubWith({ authenticate, authorize });
    expect(
      await rejection(connect(hub.url, { space: new Space(), token: 'bob', attributes: { identity: 'dash' }, reconnect: false })),
    ).toBeInstanceOf(ForbiddenError);
    expect(
      await rejection(connect(hub.url, { space: new Space(), token: 'alice', attributes: { identity: 'dash-prod' }, reconnect: false })),
    ).toBeInstanceOf(ForbiddenError);
    const { link: prod } = await linkTo(hub.url, { token: 'carol', attributes: { identity: 'dash-prod' } });
    expect(prod.status$.value).toBe('open');
    const { link: alice } = await linkTo(hub.url, { token: 'alice', attributes: { identity: 'dash' } });
    const { link: carol } = await linkTo(hub.url, { token: 'carol', attributes: { identity: 'dash' }, takeover: true });
    await waitFor(() => alice.status$.value === 'closed', 'alice to be taken over');
    expect(alice.closeReason).toBeInstanceOf(ForbiddenError);
    expect(carol.status$.value).toBe('open');
  });

  test('a malformed identity pattern is refused at startHub', async () => {
    await expect(startHub({ port: 0, authorize: { x: { identities: ['a.b'] } } })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
  });

  test('a link whose id was resumed on another connection (4009) stops reconnecting', async () => {
    const hub = await hubWith();
    const spy = recording(() => hub.url);
    const { link } = await linkTo(spy.factory, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    const { id, token } = welcomeOf(spy.frames);
    const c = await raw(hub.url);
    c.send([{ t: 'hello', versions: [1], resume: { id, token } }]);
    expect((await c.next('welcome')).id).toBe(id);
    await waitFor(() => link.status$.value === 'closed', 'the link to close');
    expect(link.closeReason).toBeInstanceOf(ForbiddenError);
    expect(link.stats().reconnects).toBe(0);
  });

  test('resolveIdentity on a reconnecting link answers after the reconnect, rejects after timeoutMs or on close, never hangs', async () => {
    const hub = await hubWith();
    const proxy = await TcpProxy.start(hub.port);
    closers.push(proxy);
    const { link: carrier } = await linkTo(hub.url, { attributes: { identity: 'dash' } });
    const { link } = await linkTo(proxy.url, { reconnect: { initialDelayMs: 10, maxDelayMs: 50 } });
    proxy.down();
    await waitFor(() => link.status$.value === 'reconnecting', 'the link to notice');
    const answer = link.resolveIdentity('dash', { timeoutMs: 5000 });
    await expect(link.resolveIdentity('dash', { timeoutMs: 50 })).rejects.toBeInstanceOf(TimeoutError);
    proxy.up();
    expect(await answer).toBe(carrier.instanceId);

    proxy.down();
    await waitFor(() => link.status$.value === 'reconnecting', 'the link to notice again');
    const pending = link.resolveIdentity('dash', { timeoutMs: 5000 });
    await link.close();
    await expect(pending).rejects.toBeInstanceOf(ClosedError);
    await expect(link.resolveIdentity('dash')).rejects.toBeInstanceOf(ClosedError);
  });
});
