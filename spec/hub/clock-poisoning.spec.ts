// Clock poisoning (issue 14, defect 2): a write stamped far in the future used to overflow the
// hub's hybrid clock (every later hub stamp malformed, presence broken, and kept by a durable
// store across restarts) or freeze a var against every later honest write. Attacks go in as raw
// frames over a real loopback WebSocket; honest clients are links.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import {
  ClockSkewError,
  Space,
  connect,
  fileStore,
  startHub,
  type HubHandle,
  type Link,
  type PresenceEvent,
  type StartHubOptions,
} from '../../src/index.js';
import { waitFor } from '../sync/net-helpers.js';
import { loopbackHub } from '../support/loopback-hub.js';

const WELL_FORMED = /^[0-9a-f]{16}$/;
const MINUTE = 60_000;
const wallOf = (stamp: string) => parseInt(stamp.slice(0, 12), 16);
/** A stamp of wall time `ms` (counter 0). */
const stampAt = (ms: number) => Math.floor(ms).toString(16).padStart(12, '0') + '0000';
/** The year 3000: a valid stamp, far in the future. */
const YEAR_3000 = stampAt(Date.UTC(3000, 0, 1));

const open: { close(): unknown }[] = [];
const hubs: HubHandle[] = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
  for (const hub of hubs.splice(0)) await hub.close();
});

function hubWith(options: StartHubOptions = {}): Promise<HubHandle> {
  return loopbackHub(hubs, options);
}

/** A raw protocol client, welcomed: sends frames, collects every message it receives. */
async function attacker(hub: HubHandle) {
  const socket = new WebSocket(hub.url);
  const received: any[] = [];
  socket.on('message', (data) => received.push(...JSON.parse(String(data))));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  open.push({ close: () => socket.terminate() });
  const send = (frame: unknown[]) => socket.send(JSON.stringify(frame));
  const next = async (predicate: (m: any) => boolean, what: string) => {
    await waitFor(() => received.some(predicate), `${what}; received ${JSON.stringify(received)}`, 5000);
    return received.find(predicate);
  };
  send([{ t: 'hello', versions: [1] }]);
  const welcome = await next((m) => m.t === 'welcome', 'welcome');
  return { socket, received, send, next, welcome };
}

async function linked(hub: HubHandle, options: { now?: () => number } = {}): Promise<{ link: Link; space: Space; errors: unknown[] }> {
  const space = new Space();
  const errors: unknown[] = [];
  space.errors$.subscribe((error) => errors.push(error));
  const link = await connect(hub.url, { space, ...options });
  open.push(link);
  return { link, space, errors };
}

test("a pub stamped ffffffffffffffff is refused and the hub's later stamps stay well-formed", async () => {
  const hub = await hubWith();
  const evil = await attacker(hub);
  evil.send([{ t: 'pub', fqn: 'p/x', value: 'evil', stamp: 'ffffffffffffffff', ref: 1 }]);
  const err = await evil.next((m) => m.t === 'err', 'the refusal');
  expect(err).toMatchObject({ code: 'VS_CLOCK_SKEW', ref: 1, fqn: 'p/x', refused: 'ffffffffffffffff' });
  expect(err.message).toContain('ahead of the hub');
  expect(hub.space.resolve('p/x')).toBeUndefined();
  expect(hub.stats().vars).toBe(1); // only the attacker's presence
  // Writes made on the hub, and presence, get well-formed stamps of now.
  const { link } = await linked(hub);
  const seen: string[] = [];
  link.updates$.subscribe((update) => seen.push(update.stamp));
  await link.follow('h.>').synced;
  hub.space.intern('h/y', 1);
  await waitFor(() => seen.length > 0, "the hub's write");
  expect(seen[0]).toMatch(WELL_FORMED);
  expect(Math.abs(wallOf(seen[0]) - Date.now())).toBeLessThan(MINUTE);
  const ack = await link.set('h/z', 2);
  expect(ack.stamp).toMatch(WELL_FORMED);
  expect(Math.abs(wallOf(ack.stamp) - Date.now())).toBeLessThan(MINUTE);
});

test.each([
  ['a pub', (stamp: string) => ({ t: 'pub', fqn: 's/x', value: 'evil', stamp, ref: 7 })],
  ['a cas', (stamp: string) => ({ t: 'cas', fqn: 's/x', value: 'evil', stamp, rev: 1, ref: 7 })],
  ['a del', (stamp: string) => ({ t: 'del', fqn: 's/x', stamp, ref: 7 })],
])('%s stamped in the year 3000 is refused with VS_CLOCK_SKEW, corrected with the held state, and changes nothing', async (_, message) => {
  const hub = await hubWith();
  const { link } = await linked(hub);
  const held = await link.set('s/x', 'honest');
  const evil = await attacker(hub);
  const rev = hub.hub.store.rev;
  evil.send([message(YEAR_3000)]);
  const err = await evil.next((m) => m.t === 'err', 'the refusal');
  expect(err).toMatchObject({
    code: 'VS_CLOCK_SKEW',
    ref: 7,
    fqn: 's/x',
    refused: YEAR_3000,
    current: { value: 'honest', stamp: held.stamp, rev: held.rev },
  });
  expect(hub.space.resolve('s/x')!.deref()).toBe('honest');
  expect(hub.hub.store.rev).toBe(rev);
  expect(link.revision('s/x')).toBe(held.rev);
  expect((await link.set('s/x', 'later')).rev).toBe(rev + 1);
});

test('each entry of a pubs batch is judged alone: the far-future one is refused, the others are applied', async () => {
  const hub = await hubWith();
  const evil = await attacker(hub);
  const now = stampAt(Date.now());
  evil.send([
    {
      t: 'pubs',
      w: [
        ['b/ok1', now, 1],
        ['b/evil', YEAR_3000, 2],
        ['b/ok2', now, 3],
      ],
    },
  ]);
  const err = await evil.next((m) => m.t === 'err', 'the refusal');
  expect(err).toMatchObject({ code: 'VS_CLOCK_SKEW', fqn: 'b/evil', refused: YEAR_3000 });
  await waitFor(() => hub.space.resolve('b/ok2') !== undefined, 'the batch');
  expect(hub.space.resolve('b/ok1')!.deref()).toBe(1);
  expect(hub.space.resolve('b/evil')).toBeUndefined();
});

test('a far-future stamp cannot freeze a var against later honest writes', async () => {
  const hub = await hubWith();
  const writer = await linked(hub);
  const reader = await linked(hub);
  await reader.link.follow('f.>').synced;
  await writer.link.set('f/x', 1);
  const evil = await attacker(hub);
  evil.send([{ t: 'pub', fqn: 'f/x', value: 'frozen', stamp: YEAR_3000, ref: 1 }]);
  expect((await evil.next((m) => m.t === 'err', 'the refusal')).code).toBe('VS_CLOCK_SKEW');
  for (const value of [2, 3]) {
    await writer.link.set('f/x', value);
    await waitFor(() => reader.space.resolve('f/x')?.deref() === value, `the reader to see ${value}`);
    expect(hub.space.resolve('f/x')!.deref()).toBe(value);
  }
});

test('a stamp ahead within maxClockDriftMs wins only until a writer has seen it: the next honest write replaces it', async () => {
  const hub = await hubWith();
  const honest = await linked(hub);
  await honest.link.sync('w.>').synced;
  await honest.link.set('w/x', 'first');
  const evil = await attacker(hub);
  const ahead = stampAt(Date.now() + 30_000);
  evil.send([{ t: 'pub', fqn: 'w/x', value: 'ahead', stamp: ahead, ref: 1 }]);
  await evil.next((m) => m.t === 'ack', 'the ack');
  await waitFor(() => honest.space.resolve('w/x')?.deref() === 'ahead', 'the honest link to see it');
  const ack = await honest.link.set('w/x', 'honest');
  expect(ack.stamp > ahead).toBe(true);
  expect(hub.space.resolve('w/x')!.deref()).toBe('honest');
  expect(honest.errors).toEqual([]);
});

test("the bound follows the hub's wall clock, not stamps it accepted: it cannot creep", async () => {
  const hub = await hubWith({ maxClockDriftMs: 5_000 });
  const evil = await attacker(hub);
  const base = Date.now();
  evil.send([{ t: 'pub', fqn: 'c/x', value: 1, stamp: stampAt(base + 4_000), ref: 1 }]);
  await evil.next((m) => m.t === 'ack' && m.ref === 1, 'the first ack');
  // Had the bound moved with the hub's hybrid clock (which observed the stamp above), this one would pass.
  evil.send([{ t: 'pub', fqn: 'c/x', value: 2, stamp: stampAt(base + 8_000), ref: 2 }]);
  expect(await evil.next((m) => m.ref === 2, 'the second answer')).toMatchObject({ t: 'err', code: 'VS_CLOCK_SKEW' });
  expect(hub.space.resolve('c/x')!.deref()).toBe(1);
});

test('presence keeps working after a poisoned pub', async () => {
  const hub = await hubWith();
  const watcher = await linked(hub);
  const events: PresenceEvent[] = [];
  watcher.link.instances$().subscribe((event) => events.push(event));
  await waitFor(() => events.length > 0, 'the current instances');
  const evil = await attacker(hub);
  evil.send([
    { t: 'pub', fqn: 'p/x', value: 'evil', stamp: 'ffffffffffffffff' },
    { t: 'pub', fqn: 'p/y', value: 'evil', stamp: YEAR_3000 },
  ]);
  await waitFor(() => evil.received.filter((m) => m.code === 'VS_CLOCK_SKEW').length === 2, 'both refusals');
  const newcomer = await linked(hub);
  await waitFor(() => events.some((e) => e.type === 'join' && e.instance.instanceId === newcomer.link.instanceId), 'the newcomer to join');
  await newcomer.link.close();
  await waitFor(
    () => events.some((e) => e.type === 'leave' && e.instance.instanceId === newcomer.link.instanceId),
    'the newcomer to leave',
  );
  expect(watcher.errors).toEqual([]);
});

test('a poisoned durable store cannot poison the clock on restart', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'varspace-clock-'));
  try {
    // A store written before stamps were bounded: a var and a tombstone stamped at the end of time,
    // and a var stamped in the year 3000.
    const poisoned = await fileStore(dir);
    const put = (fqn: string, value: unknown, stamp: string, deleted = false) =>
      poisoned.put({ fqn, value, stamp, from: 'attacker', rev: poisoned.rev + 1, deleted });
    await put('d/max', 'max', 'ffffffffffffffff');
    await put('d/far', 'far', YEAR_3000);
    await put('d/gone', undefined, 'ffffffffffffffff', true);
    await put('d/fine', 'fine', stampAt(Date.now() - MINUTE));
    await poisoned.close();

    const first = await hubWith({ store: await fileStore(dir) });
    // Values are kept (the tombstone too), each with a well-formed stamp of now, written by the hub.
    expect(first.space.resolve('d/max')!.deref()).toBe('max');
    expect(first.space.resolve('d/far')!.deref()).toBe('far');
    expect(first.space.resolve('d/gone')).toBeUndefined();
    expect(first.space.resolve('d/fine')!.deref()).toBe('fine');
    const reader = await linked(first);
    const stamps = new Map<string, { stamp: string; from: string }>();
    reader.link.updates$.subscribe((update) => stamps.set(update.fqn, { stamp: update.stamp, from: update.from }));
    await reader.link.follow('d.>').synced;
    for (const fqn of ['d/max', 'd/far']) {
      expect(stamps.get(fqn)!.stamp).toMatch(WELL_FORMED);
      expect(Math.abs(wallOf(stamps.get(fqn)!.stamp) - Date.now())).toBeLessThan(MINUTE);
      expect(stamps.get(fqn)!.from).toBe(first.hub.id);
    }
    expect(stamps.get('d/fine')!.from).toBe('attacker'); // a sane record is left as it was
    // The hub's own stamps are sane, and honest writes replace the records (or bring the var back).
    first.space.intern('d/hub', 1);
    await waitFor(() => stamps.has('d/hub'), "the hub's write");
    expect(Math.abs(wallOf(stamps.get('d/hub')!.stamp) - Date.now())).toBeLessThan(MINUTE);
    const writer = await linked(first);
    for (const fqn of ['d/max', 'd/far', 'd/gone']) await writer.link.set(fqn, `honest ${fqn}`);
    await first.close();
    hubs.splice(hubs.indexOf(first), 1);

    const second = await hubWith({ store: await fileStore(dir) });
    for (const fqn of ['d/max', 'd/far', 'd/gone']) expect(second.space.resolve(fqn)!.deref()).toBe(`honest ${fqn}`);
    const again = await linked(second);
    const ack = await again.link.set('d/max', 'after restart');
    expect(Math.abs(wallOf(ack.stamp) - Date.now())).toBeLessThan(MINUTE);
  } finally {
    for (const o of open.splice(0).reverse()) await o.close();
    for (const hub of hubs.splice(0)) await hub.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('honest links whose clocks are 10 minutes ahead or behind keep working and converge', async () => {
  const hub = await hubWith();
  const replicas = [
    await linked(hub, { now: () => Date.now() + 10 * MINUTE }),
    await linked(hub, { now: () => Date.now() - 10 * MINUTE }),
    await linked(hub),
  ];
  await Promise.all(replicas.map(({ link }) => link.sync('k.>').synced));
  const converged = (value: unknown) =>
    hub.space.resolve('k/x')?.deref() === value && replicas.every(({ space }) => space.resolve('k/x')?.deref() === value);
  // One after the other: the last write wins everywhere, whoever's clock is off.
  for (let round = 0; round < 2; round++) {
    for (const [i, { link }] of replicas.entries()) {
      const value = `r${i}#${round}`;
      const ack = await link.set('k/x', value);
      // The link's stamps follow the hub's time, not its own clock.
      expect(Math.abs(wallOf(ack.stamp) - Date.now())).toBeLessThan(MINUTE);
      await waitFor(() => converged(value), `every replica to hold ${value}`);
    }
  }
  // All at once, shared vars and sets alike: every replica ends on the hub's value.
  replicas[0].space.intern('k/x', 'a');
  void replicas[1].link.set('k/x', 'b');
  replicas[2].space.intern('k/x', 'c');
  await waitFor(() => ['a', 'b', 'c'].some((value) => converged(value)), 'the replicas to converge');
  for (const { errors } of replicas) expect(errors).toEqual([]);
});

test('maxClockDriftMs must be a number ≥ 0', async () => {
  await expect(startHub({ port: 0, maxClockDriftMs: -1 })).rejects.toMatchObject({ code: 'VS_INVALID_VALUE' });
});

test('a VS_CLOCK_SKEW refusal reaches a link as a ClockSkewError', async () => {
  const hub = await hubWith({ maxClockDriftMs: 0 });
  // A link whose clock is set to the hub's at the welcome is never ahead; this one is made ahead
  // after its welcome (its clock jumps), which a steady clock never does.
  let skew = 0;
  const { link } = await linked(hub, { now: () => Date.now() + skew });
  skew = 10 * MINUTE;
  await expect(link.set('z/x', 1)).rejects.toBeInstanceOf(ClockSkewError);
  expect(hub.space.resolve('z/x')).toBeUndefined();
});
