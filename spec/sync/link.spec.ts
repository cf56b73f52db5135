import { firstValueFrom, filter, map, of, take, toArray } from 'rxjs';
import {
  ReservedNameError,
  Space,
  ValidationError,
  connect,
  fromLink,
  startHub,
  toLink,
  type HubHandle,
  type Link,
  type SpaceEvent,
} from '../../src/index.js';

let hub: HubHandle;
const links: Link[] = [];

beforeEach(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await hub.close();
});

async function client(attributes: Record<string, string> = {}) {
  const space = new Space();
  const link = await connect(hub.url, { space, attributes });
  links.push(link);
  return { space, link };
}

/** Resolves once the hub has processed everything `link` sent so far. */
async function settled(...ls: Link[]) {
  for (const l of ls) await l.ping();
}

test('the hub assigns each link its own instance id', async () => {
  const a = await client();
  const b = await client();
  expect(a.link.instanceId).toMatch(/^[0-9a-f-]{36}$/);
  expect(b.link.instanceId).not.toBe(a.link.instanceId);
  expect(a.link.status$.value).toBe('open');
});

test('a shared var appears in a follower, created on receipt and tagged with the writer', async () => {
  const a = await client({ appName: 'a' });
  const b = await client({ appName: 'b' });
  await b.link.follow('ui.>').synced;
  a.space.intern('ui.buttons/b1', { pressed: false });
  a.link.share('ui.>');
  const v = await b.space.await('ui.buttons/b1', { timeoutMs: 2000 });
  expect(v.deref()).toEqual({ pressed: false });
  const seen = firstValueFrom(v.changes$);
  a.space.resolve('ui.buttons/b1')!.reset({ pressed: true });
  const change = await seen;
  expect(change.value).toEqual({ pressed: true });
  expect(change.origin).toBe(a.link.instanceId);
});

test('follow sends the current state first, then live updates; remote interns carry origin', async () => {
  const a = await client();
  a.space.intern('srv.cfg/mode', 'fast');
  await a.link.share('srv.>').synced;
  const b = await client();
  const events: SpaceEvent[] = [];
  b.space.events$().subscribe((e) => events.push(e));
  await b.link.follow('srv.>').synced;
  expect(b.space.resolve('srv.cfg/mode')!.deref()).toBe('fast');
  a.space.intern('srv.jobs.q/j1', 1);
  await b.space.await('srv.jobs.q/j1', { timeoutMs: 2000 });
  const created = events.filter((e) => e.type === 'ns-created').map((e) => [e.type === 'ns-created' && e.ns, e.origin]);
  expect(created).toEqual([
    ['srv', a.link.instanceId],
    ['srv.cfg', a.link.instanceId],
    ['srv.jobs', a.link.instanceId],
    ['srv.jobs.q', a.link.instanceId],
  ]);
  const interned = events.filter((e) => e.type === 'var-interned');
  expect(interned.map((e) => [e.type === 'var-interned' && e.fqn, e.origin])).toEqual([
    ['srv.cfg/mode', a.link.instanceId],
    ['srv.jobs.q/j1', a.link.instanceId],
  ]);
});

test('into mounts remote vars under a local prefix', async () => {
  const a = await client();
  a.space.intern('ui.buttons/b1', 7);
  await a.link.share('ui.>').synced;
  const b = await client();
  await b.link.follow('ui.>', { into: 'peers.a' }).synced;
  expect(b.space.resolve('peers.a.ui.buttons/b1')!.deref()).toBe(7);
  expect(b.space.findNs('ui')).toBeUndefined();
});

test('unmap crosses to followers', async () => {
  const a = await client();
  a.space.intern('tmp/x', 1);
  await a.link.share('tmp.>').synced;
  const b = await client();
  await b.link.follow('tmp.>').synced;
  const gone = firstValueFrom(b.space.events$('tmp/x').pipe(filter((e) => e.type === 'var-unmapped')));
  a.space.unmap('tmp/x');
  const event = await gone;
  expect(event.origin).toBe(a.link.instanceId);
  expect(b.space.resolve('tmp/x')).toBeUndefined();
});

test('a writer never gets its own write back, and a follower does not bounce what it received', async () => {
  const a = await client();
  const b = await client();
  a.link.sync('s.>');
  b.link.sync('s.>');
  await settled(a.link, b.link);
  const x = a.space.intern('s/x', 0);
  await b.space.await('s/x', { timeoutMs: 2000 });
  const inBefore = hub.stats().messagesIn;
  for (let i = 1; i <= 20; i++) x.reset(i);
  await firstValueFrom(b.space.ref$('s/x').pipe(filter((v) => v === 20)));
  await settled(a.link, b.link);
  expect(a.link.stats().valuesIn).toBe(0);
  expect(b.link.stats().valuesOut).toBe(0);
  // a's writes (coalesced per tick: at least one) plus the marks of settled(); none from b
  const bounced = hub.stats().messagesIn - inBefore;
  expect(bounced).toBeLessThanOrEqual(20 + 4);
  expect(b.link.stats().valuesIn).toBeGreaterThan(0);
});

test('unsubscribing a follow stops the traffic at the hub', async () => {
  const a = await client();
  const b = await client();
  const followed = b.link.follow('f.>');
  await followed.synced;
  const x = a.space.intern('f/x', 0);
  a.link.share('f.>');
  await firstValueFrom(b.space.ref$('f/x'));
  expect(hub.stats().follows).toBe(1);
  followed.unsubscribe();
  await settled(b.link);
  expect(hub.stats().follows).toBe(0);
  const routed = hub.stats().valuesRouted;
  for (let i = 1; i <= 10; i++) x.reset(i);
  await settled(a.link);
  expect(hub.stats().valuesRouted).toBe(routed);
  expect(b.space.resolve('f/x')!.deref()).toBe(0);
});

test('unsubscribing a share stops sending', async () => {
  const a = await client();
  const x = a.space.intern('g/x', 0);
  const shared = a.link.share('g.>');
  await shared.synced;
  shared.unsubscribe();
  const out = a.link.stats().valuesOut;
  x.reset(1);
  await settled(a.link);
  expect(a.link.stats().valuesOut).toBe(out);
  expect(hub.space.resolve('g/x')!.deref()).toBe(0);
});

test('share includes vars interned later', async () => {
  const a = await client();
  await a.link.share('late.>').synced;
  a.space.intern('late.ns/v', 'hello');
  await settled(a.link);
  expect(hub.space.resolve('late.ns/v')!.deref()).toBe('hello');
});

test('set resolves on the ack with a revision, and refuses reserved names', async () => {
  const a = await client();
  const first = await a.link.set('app/theme', 'dark');
  const second = await a.link.set('app/theme', 'light');
  expect(second.rev).toBeGreaterThan(first.rev);
  expect(a.link.revision('app/theme')).toBe(second.rev);
  expect(hub.space.resolve('app/theme')!.deref()).toBe('light');
  expect(() => a.link.set('$sys.instances/x', 1)).toThrow(ReservedNameError);
});

test('remote$ and fromLink emit tagged values; toLink writes through the link', async () => {
  const a = await client();
  const b = await client();
  const tagged = firstValueFrom(b.link.remote$<number>('t/n').pipe(filter((t) => t.value === 3)));
  const viaFromLink = firstValueFrom(fromLink<number>(b.link, 't.>').pipe(filter((t) => t.value === 3)));
  await settled(b.link);
  const written = await firstValueFrom(of(1, 2, 3).pipe(toLink(a.link, 't/n'), toArray()));
  expect(written).toEqual([1, 2, 3]);
  for (const t of [await tagged, await viaFromLink]) {
    expect(t).toMatchObject({ value: 3, fqn: 't/n', from: a.link.instanceId });
    expect(t.stamp).toMatch(/^[0-9a-f]{16}$/);
  }
});

test('the hub publishes connected instances under $sys.instances', async () => {
  const a = await client({ appName: 'dash', role: 'ui' });
  const b = await client();
  await b.link.follow('$sys.instances/*').synced;
  const info = b.space.resolve<{ attributes: Record<string, string> }>(`$sys.instances/${a.link.instanceId}`)!;
  expect(info.deref().attributes).toEqual({ appName: 'dash', role: 'ui' });
  await b.link.follow('>').synced;
  expect(b.space.match('>').some((v) => v.fqn.startsWith('$'))).toBe(false);
  const left = firstValueFrom(b.space.events$(`$sys.instances/${a.link.instanceId}`).pipe(filter((e) => e.type === 'var-unmapped')));
  await a.link.close();
  await left;
  expect(b.space.resolve(`$sys.instances/${a.link.instanceId}`)).toBeUndefined();
});

test('writes made on the hub reach followers, tagged with the hub id', async () => {
  const b = await client();
  await b.link.follow('hubside.>').synced;
  hub.space.intern('hubside/clock', 1);
  const tagged = await firstValueFrom(b.link.remote$('hubside/clock').pipe(take(1)));
  expect(tagged.from).toBe(hub.hub.id);
  const v = b.space.resolve('hubside/clock')!;
  hub.space.resolve<number>('hubside/clock')!.reset(2);
  await firstValueFrom(b.space.ref$('hubside/clock').pipe(filter((x) => x === 2)));
  expect(v.deref()).toBe(2);
});

test('status$ ends closed after close()', async () => {
  const a = await client();
  const statuses = firstValueFrom(a.link.status$.pipe(toArray()));
  await a.link.close();
  expect(await statuses).toEqual(['open', 'closed']);
  await expect(a.link.set('x/y', 1)).rejects.toMatchObject({ code: 'VS_CLOSED' });
});

test('a link over an in-process transport pair works the same', async () => {
  const { memoryPair, Hub } = await import('../../src/index.js');
  const local = new Hub();
  const [clientEnd, hubEnd] = memoryPair();
  local.accept(hubEnd);
  const space = new Space();
  const link = await connect(clientEnd, { space });
  space.intern('m/x', 5);
  await link.share('m.>').synced;
  expect(local.space.resolve('m/x')!.deref()).toBe(5);
  await link.close();
  await local.close();
});

test('values map through pipes as plain observables', async () => {
  const a = await client();
  const b = await client();
  await b.link.follow('p.>').synced;
  a.space.intern('p/v', 2);
  a.link.share('p.>');
  const doubled = await firstValueFrom(b.space.ref$<number>('p/v').pipe(map((v) => v * 2)));
  expect(doubled).toBe(4);
});

test('a shared write with no JSON form (a BigInt) is refused as a validator refuses (issue 14: the value model); the link goes on sharing', async () => {
  const a = await client();
  const b = await client();
  await b.link.follow('odd.>').synced;
  const counter = a.space.intern<unknown>('odd/n', 1);
  await a.link.share('odd.>').synced;
  const errors: unknown[] = [];
  a.space.errors$.subscribe((error) => errors.push(error));
  expect(() => counter.reset(2n)).toThrow(ValidationError);
  expect(counter.deref()).toBe(1);
  expect(errors).toEqual([]);
  counter.reset(3);
  await b.space.await('odd/n', { timeoutMs: 2000 });
  await firstValueFrom(b.space.resolve('odd/n')!.pipe(filter((n) => n === 3)));
  expect(a.link.status$.value).toBe('open');
});
