// Persisters through the public API against a real hub on loopback: hydration before `connect`
// resolves, the instance id resumed, offline start, writes made offline sent once the hub is back,
// resync by revision (only what changed comes back), failures reported and survived, damaged
// records skipped and counted, another format refused.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PERSIST_FORMAT,
  Space,
  StoreError,
  connect,
  filePersister,
  memoryPersister,
  startHub,
  type HubHandle,
  type Link,
  type Persister,
  type VarspaceError,
} from '../../src/index.js';
import { countingFactory, freePort, waitFor } from './net-helpers.js';

const SECRET = 'the-secret-of-the-persist-spec-hubs';
const FAST = { initialDelayMs: 5, maxDelayMs: 40 };

const opened: { close(): unknown }[] = [];
afterEach(async () => {
  for (const item of opened.splice(0).reverse()) await item.close();
});

async function hubOn(port = 0): Promise<HubHandle> {
  const hub = await startHub({ port, host: '127.0.0.1', secret: SECRET });
  opened.push(hub);
  return hub;
}

async function link(url: string, options: Parameters<typeof connect>[1] = {}): Promise<Link> {
  const made = await connect(url, { reconnect: FAST, heartbeat: false, ...options });
  opened.push(made);
  return made;
}

function valueOf(space: Space, fqn: string): unknown {
  const found = space.resolve(fqn);
  return found?.bound ? found.getValue() : undefined;
}

test('the persisted state is in the space before connect resolves, and the instance resumes', async () => {
  const hub = await hubOn();
  const persist = memoryPersister();
  const first = new Space();
  const a = await link(hub.url, { space: first, persist });
  a.sync('todo.>');
  first.intern('todo/a', 1).next(2);
  first.intern('todo/b', 'x');
  await a.sync('todo.>').synced;
  await a.persisted();
  const id = a.instanceId;
  await a.close();

  const second = new Space();
  const b = await link(hub.url, { space: second, persist });
  // Before any follow: what was persisted is there at once.
  expect(valueOf(second, 'todo/a')).toBe(2);
  expect(valueOf(second, 'todo/b')).toBe('x');
  expect(b.instanceId).toBe(id);
  expect(b.stats().persist).toMatchObject({ loaded: 2, skipped: 0, failed: false });
  await b.hydrated;
});

test('offline: connect resolves reconnecting with the persisted state; offline writes reach a follower once the hub is up', async () => {
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  const down = await hubOn(port);
  const persist = memoryPersister();
  const space = new Space();
  const a = await link(url, { space, persist });
  a.sync('todo.>');
  space.intern('todo/a', 'before');
  await a.sync('todo.>').synced;
  await a.close();
  await down.close();

  // The app restarts while the hub is down.
  const restarted = new Space();
  const b = await link(url, { space: restarted, persist, offline: true });
  expect(b.status$.value).toBe('reconnecting');
  expect(valueOf(restarted, 'todo/a')).toBe('before');
  b.sync('todo.>');
  restarted.resolve('todo/a')!.next('offline 1');
  restarted.intern('todo/c', 'offline 2');
  await b.persisted();
  await b.close();

  // …and again, still offline: the unconfirmed writes were persisted.
  const again = new Space();
  const c = await link(url, { space: again, persist, offline: true });
  expect(valueOf(again, 'todo/a')).toBe('offline 1');
  c.sync('todo.>');
  again.intern('todo/d', 'offline 3');

  await hubOn(port);
  const watcherSpace = new Space();
  const watcher = await link(url, { space: watcherSpace });
  watcher.follow('todo.>');
  await waitFor(
    () =>
      valueOf(watcherSpace, 'todo/a') === 'offline 1' &&
      valueOf(watcherSpace, 'todo/c') === 'offline 2' &&
      valueOf(watcherSpace, 'todo/d') === 'offline 3',
    'every offline write at the follower',
  );
  expect(c.status$.value).toBe('open');
});

test('without offline, connect still fails fast when the hub is down (and lets the persister go)', async () => {
  const port = await freePort();
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-persist-'));
  try {
    await expect(connect(`ws://127.0.0.1:${port}`, { persist: filePersister(dir), space: new Space() })).rejects.toMatchObject({
      code: 'VS_CLOSED',
    });
    // The directory's lock was released: a second persister opens it.
    const hub = await hubOn(port);
    const b = await link(hub.url, { persist: filePersister(dir), space: new Space() });
    expect(b.stats().persist?.failed).toBe(false);
  } finally {
    for (const item of opened.splice(0).reverse()) await item.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
});

test('a write another instance made later wins over a persisted offline write', async () => {
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  const down = await hubOn(port);
  const persist = memoryPersister();
  const space = new Space();
  const a = await link(url, { space, persist });
  await a.sync('todo.>').synced;
  await down.close();
  await waitFor(() => a.status$.value === 'reconnecting', 'a reconnecting');
  space.intern('todo/x', 'older, offline');
  await a.persisted();
  await a.close();

  await hubOn(port);
  const otherSpace = new Space();
  const other = await link(url, { space: otherSpace });
  other.sync('todo.>');
  await other.set('todo/x', 'newer, elsewhere');

  const restarted = new Space();
  const b = await link(url, { space: restarted, persist });
  await b.sync('todo.>').synced;
  await b.ping();
  await waitFor(() => valueOf(restarted, 'todo/x') === 'newer, elsewhere', 'the later write wins here');
  await other.ping();
  expect(valueOf(otherSpace, 'todo/x')).toBe('newer, elsewhere');
});

test('on reconnect only what changed comes back (resync by persisted revision)', async () => {
  const hub = await hubOn();
  const writerSpace = new Space();
  const writer = await link(hub.url, { space: writerSpace });
  writer.share('data.>');
  for (let i = 0; i < 200; i++) writerSpace.intern(`data/v${i}`, { i, text: 'a value of some length to count' });
  await writer.ping();

  const persist = memoryPersister();
  const first = countingFactory(() => hub.url);
  const a = await link(hub.url, { space: new Space(), persist });
  await a.follow('data.>').synced;
  await a.persisted();
  await a.close();

  writerSpace.resolve('data/v3')!.next({ i: 3, text: 'changed' });
  writerSpace.resolve('data/v7')!.next({ i: 7, text: 'changed' });
  await writer.ping();

  const fresh = countingFactory(() => hub.url);
  const withoutPersist = await connect(fresh.factory, { space: new Space(), heartbeat: false });
  opened.push(withoutPersist);
  await withoutPersist.follow('data.>').synced;

  const space = new Space();
  const b = await connect(first.factory, { space, persist, heartbeat: false });
  opened.push(b);
  await b.follow('data.>').synced;
  expect(first.traffic.upds.sort()).toEqual(['data/v3', 'data/v7']);
  expect(fresh.traffic.upds).toHaveLength(200);
  // The bytes the resync took, against a follow with nothing persisted.
  expect(first.traffic.bytesReceived * 20).toBeLessThan(fresh.traffic.bytesReceived);
  expect(valueOf(space, 'data/v3')).toEqual({ i: 3, text: 'changed' });
  expect(valueOf(space, 'data/v100')).toEqual({ i: 100, text: 'a value of some length to count' });
});

test('a persister that fails to save reports a StoreError and the link keeps working online', async () => {
  const hub = await hubOn();
  const quota = Object.assign(new Error('the quota has been exceeded'), { name: 'QuotaExceededError' });
  const failing: Persister = {
    load: () => Promise.resolve({ vars: [], meta: undefined }),
    save: () => Promise.reject(quota),
    close: () => Promise.resolve(),
  };
  const space = new Space();
  const a = await link(hub.url, { space, persist: failing });
  const errors: VarspaceError[] = [];
  a.errors$.subscribe((error) => errors.push(error));
  const watcherSpace = new Space();
  const watcher = await link(hub.url, { space: watcherSpace });
  await watcher.follow('todo.>').synced;
  a.share('todo.>');
  space.intern('todo/a', 1);
  await waitFor(() => errors.length > 0, 'the store error');
  expect(errors[0]).toBeInstanceOf(StoreError);
  expect(errors[0].details).toMatchObject({ cause: 'QuotaExceededError' });
  expect(a.stats().persist?.failed).toBe(true);
  space.resolve('todo/a')!.next(2);
  await waitFor(() => valueOf(watcherSpace, 'todo/a') === 2, 'writes still arrive');
  expect(errors).toHaveLength(1);
});

test('a persister that cannot load is reported once connect resolved; the link works online', async () => {
  const hub = await hubOn();
  const blocked: Persister = {
    load: () => Promise.reject(new StoreError('IndexedDB app: blocked by another connection')),
    save: () => Promise.reject(new Error('must not be called')),
    close: () => Promise.resolve(),
  };
  const a = await link(hub.url, { space: new Space(), persist: blocked });
  const errors: VarspaceError[] = [];
  a.errors$.subscribe((error) => errors.push(error));
  await waitFor(() => errors.length > 0, 'the load error');
  expect(errors[0]).toBeInstanceOf(StoreError);
  expect(errors[0].message).toMatch(/blocked/);
  await expect(a.set('todo/a', 1)).resolves.toMatchObject({ rev: expect.any(Number) });
});

test('damaged records are skipped and counted; a state of another format is refused, never misread, and left untouched', async () => {
  const hub = await hubOn();
  const persist = memoryPersister();
  const stamp = '0000000000001-0000-x';
  persist.vars.set('ok/a', { fqn: 'ok/a', value: 1, stamp: '', from: 'w', rev: 1, deleted: false });
  const space = new Space();
  // A good record, a bad stamp, a bad name, a missing revision.
  const good = await link(hub.url, { space: new Space(), persist: memoryPersister() });
  await good.set('ok/b', 2);
  persist.vars.clear();
  const sample = { fqn: 'ok/b', value: 2, stamp: (await good.set('ok/b', 2)).stamp, from: good.instanceId, rev: 2, deleted: false };
  persist.vars.set('ok/b', sample);
  persist.vars.set('bad/stamp', { ...sample, fqn: 'bad/stamp', stamp });
  persist.vars.set('bad name', { ...sample, fqn: 'bad name' });
  persist.vars.set('bad/rev', { ...sample, fqn: 'bad/rev', rev: -1 });
  const a = await link(hub.url, { space, persist });
  expect(valueOf(space, 'ok/b')).toBe(2);
  expect(space.resolve('bad/stamp')).toBeUndefined();
  expect(a.stats().persist).toMatchObject({ loaded: 1, skipped: 3 });
  await a.close();

  const future = memoryPersister();
  future.meta = { format: PERSIST_FORMAT + 1, instanceId: 'x', token: 't', epoch: 'e', hubId: 'h', follows: {} };
  future.vars.set('ok/b', sample);
  const futureSpace = new Space();
  const b = await link(hub.url, { space: futureSpace, persist: future });
  const errors: VarspaceError[] = [];
  b.errors$.subscribe((error) => errors.push(error));
  await waitFor(() => errors.length > 0, 'the format error');
  expect(errors[0]).toBeInstanceOf(StoreError);
  expect(errors[0].message).toMatch(/format 2 refused/);
  expect(futureSpace.resolve('ok/b')).toBeUndefined();
  b.sync('ok.>');
  futureSpace.intern('ok/c', 3);
  await b.ping();
  expect(future.meta.format).toBe(PERSIST_FORMAT + 1);
  expect(future.vars.has('ok/c')).toBe(false);
});

test('filePersister: state and unconfirmed writes survive a close; a damaged line is skipped and counted', async () => {
  const port = await freePort();
  const url = `ws://127.0.0.1:${port}`;
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'varspace-persist-'));
  try {
    const a = await link(url, { space: new Space(), persist: filePersister(dir), offline: true });
    a.sync('todo.>');
    a.space.intern('todo/a', 'one');
    a.space.intern('todo/b', 'two');
    await a.persisted();
    await a.close();
    // Damage a line in the middle of the log (not its end): skipped and counted, the rest kept.
    const log = path.join(dir, 'log.jsonl');
    const lines = (await fsp.readFile(log, 'utf8')).split('\n');
    const damaged = lines.findIndex((line) => line.includes('"todo/a"'));
    lines[damaged] = lines[damaged].replace('one', 'ONE');
    await fsp.writeFile(log, lines.join('\n'));

    const space = new Space();
    const b = await link(url, { space, persist: filePersister(dir), offline: true });
    expect(valueOf(space, 'todo/b')).toBe('two');
    expect(space.resolve('todo/a')).toBeUndefined();
    expect(b.stats().persist?.skipped).toBeGreaterThanOrEqual(1);
    b.sync('todo.>');
    const hub = await hubOn(port);
    const watcherSpace = new Space();
    const watcher = await link(hub.url, { space: watcherSpace });
    watcher.follow('todo.>');
    await waitFor(() => valueOf(watcherSpace, 'todo/b') === 'two', 'the persisted unconfirmed write arrives');
  } finally {
    for (const item of opened.splice(0).reverse()) await item.close();
    await fsp.rm(dir, { recursive: true, force: true });
  }
});
