// Issue 14, defect 10: values that are not JSON. Every write path of a link — set, cas, a shared
// var, a synced var — refuses them with VS_INVALID_VALUE (a rejected promise, or a synchronous
// throw from var.reset as a validator gives), sending nothing and changing nothing; the hub and a
// follower hold nothing new. Top-level undefined is a write of "no value" and settles.
import { firstValueFrom } from 'rxjs';
import { Space, ValidationError, connect, startHub, type HubHandle, type Link } from '../../src/index.js';
import { rawClient } from '../hub/raw-client.js';

class Point {
  constructor(readonly x: number) {}
}

function circular(): unknown {
  const node: Record<string, unknown> = { name: 'loop' };
  node.self = { back: node };
  return node;
}

/** Every kind of value that is not JSON, each made fresh, with the path the error must name. */
const BAD: [label: string, make: () => unknown, path: string][] = [
  ['a function', () => () => 1, 'value'],
  ['a symbol', () => Symbol('s'), 'value'],
  ['a BigInt', () => 10n, 'value'],
  ['NaN', () => NaN, 'value'],
  ['Infinity', () => Infinity, 'value'],
  ['-Infinity', () => -Infinity, 'value'],
  ['a Map', () => new Map([['a', 1]]), 'value'],
  ['a Set', () => new Set([1]), 'value'],
  ['a Date', () => new Date(0), 'value'],
  ['a class instance', () => new Point(1), 'value'],
  ['a circular structure', circular, 'value.self.back'],
  ['undefined inside an array', () => [1, undefined, 3], 'value[1]'],
  // eslint-disable-next-line no-sparse-arrays -- the hole is the case under test
  ['a hole in an array', () => [1, , 3], 'value[1]'],
  ['a function deep inside', () => ({ items: [{ ok: 1 }, { 'on click': () => 1 }] }), 'value.items[1]["on click"]'],
  ['NaN inside an object', () => ({ a: { b: NaN } }), 'value.a.b'],
];

let hub: HubHandle;
let writer: Link;
let writerSpace: Space;
let follower: Link;
let followerSpace: Space;
let sentinel = 0;

beforeAll(async () => {
  hub = await startHub({ port: 0, host: '127.0.0.1' });
  writerSpace = new Space();
  writer = await connect(hub.url, { space: writerSpace });
  followerSpace = new Space();
  follower = await connect(hub.url, { space: followerSpace });
  await follower.follow('>').synced;
});
afterAll(async () => {
  await follower.close();
  await writer.close();
  await hub.close();
});

/** Nothing of `fqn` reached the hub or the follower: a later write of the writer gets there first. */
async function nothingArrived(fqn: string, expected: unknown = undefined): Promise<void> {
  const mark = `vm.sentinel/s${sentinel++}`;
  await writer.set(mark, 1);
  await followerSpace.await(mark, { timeoutMs: 5000 });
  expect(hub.space.resolve(fqn)?.deref()).toEqual(expected);
  expect(followerSpace.resolve(fqn)?.deref()).toEqual(expected);
}

const slug = (label: string) => label.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '');

describe.each(BAD)('%s', (label, make, path) => {
  const name = slug(label);

  test('link.set rejects with VS_INVALID_VALUE naming the path; nothing is written or sent', async () => {
    const fqn = `vm.set/${name}`;
    const varsBefore = hub.stats().vars;
    let answer!: Promise<unknown>;
    expect(() => (answer = writer.set(fqn, make()))).not.toThrow();
    const error = await answer.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'VS_INVALID_VALUE', details: { path } });
    expect((error as Error).message).toContain(`${fqn}: ${path} is `);
    expect(writerSpace.resolve(fqn)?.bound ?? false).toBe(false);
    await nothingArrived(fqn);
    expect(hub.stats().vars).toBe(varsBefore + 1); // the sentinel only
  });

  test('link.cas rejects with VS_INVALID_VALUE; nothing is written or sent', async () => {
    const fqn = `vm.cas/${name}`;
    await expect(writer.cas(fqn, 0, make())).rejects.toMatchObject({ code: 'VS_INVALID_VALUE', details: { path } });
    expect(writerSpace.resolve(fqn)?.bound ?? false).toBe(false);
    await nothingArrived(fqn);
  });

  test('a shared var refuses it like a validator: reset throws, the var keeps its value, nothing is sent', async () => {
    const fqn = `vm.share/${name}`;
    const shared = writer.share(fqn);
    const target = writerSpace.intern<unknown>(fqn, 'before');
    await shared.synced;
    await followerSpace.await(fqn, { timeoutMs: 5000 });
    const version = target.version;
    expect(() => target.reset(make())).toThrow(ValidationError);
    expect(target.deref()).toBe('before');
    expect(target.version).toBe(version);
    await nothingArrived(fqn, 'before');
    shared.unsubscribe();
  });

  test('a synced var refuses it the same way', async () => {
    const fqn = `vm.sync/${name}`;
    const synced = writer.sync(fqn);
    const target = writerSpace.intern<unknown>(fqn, 1);
    await synced.synced;
    await followerSpace.await(fqn, { timeoutMs: 5000 });
    expect(() => target.swap(() => make())).toThrow(ValidationError);
    expect(target.deref()).toBe(1);
    await nothingArrived(fqn, 1);
    synced.unsubscribe();
  });
});

test('a value nested deeper than JSON can be sent: set rejects with VS_LIMIT, nothing sent', async () => {
  let deep: unknown = 1;
  for (let i = 0; i < 100_000; i++) deep = [deep];
  await expect(writer.set('vm.deep/x', deep)).rejects.toMatchObject({ code: 'VS_LIMIT' });
  await nothingArrived('vm.deep/x');
});

test('an unshared var takes any value; once unshared, a var is free again', async () => {
  const fqn = 'vm.free/x';
  const target = writerSpace.intern<unknown>(fqn, 1);
  const fn = () => 1;
  target.reset(fn);
  expect(target.deref()).toBe(fn);
  target.reset(2);
  const shared = writer.share(fqn);
  await shared.synced;
  expect(() => target.reset(fn)).toThrow(ValidationError);
  shared.unsubscribe();
  target.reset(fn);
  expect(target.deref()).toBe(fn);
});

test('a value given before its var was shared is reported on errors$, not sent', async () => {
  const fqn = 'vm.early/x';
  writerSpace.intern(fqn, new Map());
  const reported = firstValueFrom(writer.errors$);
  const shared = writer.share(fqn);
  expect(await reported).toMatchObject({ code: 'VS_INVALID_VALUE' });
  await shared.synced;
  await nothingArrived(fqn);
  shared.unsubscribe();
});

test('link.set(fqn, undefined) settles: a write of "no value" that the hub and followers hold', async () => {
  const fqn = 'vm.undefined/x';
  await writer.set(fqn, 'something');
  await expect(writer.set(fqn, undefined)).resolves.toMatchObject({ rev: expect.any(Number) });
  await writer.ping();
  expect(hub.space.resolve(fqn)!.bound).toBe(true);
  expect(hub.space.resolve(fqn)!.deref()).toBeUndefined();
  await nothingArrived(fqn, undefined);
  expect(followerSpace.resolve(fqn)!.bound).toBe(true);
  await expect(writer.cas(fqn, writer.revision(fqn), undefined)).resolves.toMatchObject({ rev: expect.any(Number) });
});

test('object properties holding undefined are left out, as JSON.stringify does; -0 crosses as 0', async () => {
  const fqn = 'vm.converted/x';
  await writer.set(fqn, { a: 1, gone: undefined, zero: -0 });
  await nothingArrived(fqn, { a: 1, zero: 0 });
  expect(Object.keys(followerSpace.resolve(fqn)!.deref() as object)).toEqual(['a', 'zero']);
});

test('JSON values of every kind pass every path', async () => {
  const value = {
    n: 1.5,
    s: 'x',
    b: false,
    z: null,
    list: [1, 'two', [3], { four: 4 }],
    nested: { deeper: { deepest: [] } },
    bare: Object.create(null),
  };
  await writer.set('vm.ok/set', value);
  await writer.cas('vm.ok/cas', 0, value);
  const synced = writer.sync('vm.ok/synced');
  writerSpace.intern('vm.ok/synced', value);
  await synced.synced;
  await nothingArrived('vm.ok/set', value);
  expect(followerSpace.resolve('vm.ok/cas')!.deref()).toEqual(value);
  await followerSpace.await('vm.ok/synced', { timeoutMs: 5000 });
  expect(followerSpace.resolve('vm.ok/synced')!.deref()).toEqual(value);
  synced.unsubscribe();
});

test('the hub refuses a number out of the double range (1e400 parses to Infinity) with VS_INVALID_VALUE', async () => {
  const open: { close(): unknown }[] = [];
  try {
    const c = await rawClient(hub.url, open);
    await c.hello();
    c.send(
      '[{"t":"pub","fqn":"vm.raw/inf","value":1e400,"stamp":"0000000000010000","ref":1},{"t":"pubs","w":[["vm.raw/inf2","0000000000010000",{"a":[-1e400]}]]}]',
    );
    await c.until(() => c.received.filter((m) => m.t === 'err').length === 2);
    expect(c.received.filter((m) => m.t === 'err')).toEqual([
      expect.objectContaining({ code: 'VS_INVALID_VALUE', ref: 1, fqn: 'vm.raw/inf' }),
      expect.objectContaining({ code: 'VS_INVALID_VALUE', fqn: 'vm.raw/inf2', refused: '0000000000010000' }),
    ]);
    expect(hub.space.resolve('vm.raw/inf')).toBeUndefined();
    expect(hub.space.resolve('vm.raw/inf2')).toBeUndefined();
  } finally {
    for (const o of open) o.close();
  }
});

test('a write made on the hub itself is held to the same model', async () => {
  const target = hub.space.intern<unknown>('vm.hub/x', 1);
  await followerSpace.await('vm.hub/x', { timeoutMs: 5000 });
  expect(() => target.reset(() => 2)).toThrow(ValidationError);
  expect(target.deref()).toBe(1);
  await nothingArrived('vm.hub/x', 1);
});
