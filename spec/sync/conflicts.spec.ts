// Stamps and conflicts through a real hub (WebSocket on 127.0.0.1): last writer wins by (stamp,
// writer id) on every replica and on the hub, whatever the arrival order; clocks advance on
// receipt; two-way sync; compare-and-set by revision; unmaps as stamped tombstones.
import { firstValueFrom, filter, take } from 'rxjs';
import {
  ConflictError,
  Space,
  compareWrites,
  connect,
  connectWs,
  startHub,
  type HubHandle,
  type Link,
  type Transport,
  type TransportFactory,
} from '../../src/index.js';

let hub: HubHandle;
const links: Link[] = [];

beforeEach(async () => {
  // Clients here are up to a minute ahead of the hub (see `skewMs`): the bound on stamps is above that.
  hub = await startHub({ port: 0, host: '127.0.0.1', maxClockDriftMs: 2 * MINUTE });
});
afterEach(async () => {
  await Promise.all(links.splice(0).map((l) => l.close()));
  await hub.close();
});

const MINUTE = 60_000;

/**
 * A link whose connection the test can take down and bring back: `goOffline()` drops the
 * connection and holds every reconnect until `goOnline()`.
 */
function offlineSwitch(url: string) {
  let transport: Transport | undefined;
  let gate: Promise<void> = Promise.resolve();
  let open = () => {};
  const factory: TransportFactory = async () => {
    await gate;
    transport = await connectWs(url);
    return transport;
  };
  return {
    factory,
    goOffline() {
      gate = new Promise<void>((resolve) => (open = resolve));
      transport?.close(4000, 'test: offline');
    },
    goOnline() {
      open();
    },
  };
}

interface ClientOptions {
  /**
   * Offset of this client's wall clock from the hub's, in ms (negative: it lags). A link sets its
   * clock to the hub's time at each welcome, so the offset is made after the welcome (the clock
   * is stepped), and lasts until the next one.
   */
  skewMs?: number;
  /** A fixed wall clock (ms). */
  fixedNow?: number;
  /** A wall clock the test moves. */
  clock?: () => number;
  /** Connect through an {@link offlineSwitch}. */
  switchable?: boolean;
}

async function client(options: ClientOptions = {}) {
  const space = new Space();
  const { skewMs = 0, fixedNow } = options;
  let skew = 0;
  const now = options.clock ?? (fixedNow !== undefined ? () => fixedNow : () => Date.now() + skew);
  const net = options.switchable ? offlineSwitch(hub.url) : undefined;
  const link = await connect(net ? net.factory : hub.url, { space, now, reconnect: { initialDelayMs: 5, maxDelayMs: 20 } });
  skew = skewMs;
  links.push(link);
  return { space, link, net };
}

/** Resolves once the hub has processed what each link sent, in order (a follower pinged after a writer has received what the hub routed to it before). */
async function settled(...ls: Link[]) {
  for (const l of ls) await l.ping();
}

/** The state `link` knows of `fqn`: value, writer and stamp (from `remote$`, which replays it). */
async function stateOf<T>(link: Link, fqn: string) {
  return firstValueFrom(link.remote$<T>(fqn).pipe(take(1)));
}

const opened = (link: Link) => firstValueFrom(link.status$.pipe(filter((s) => s === 'open')));
const reconnecting = (link: Link) => firstValueFrom(link.status$.pipe(filter((s) => s === 'reconnecting')));

describe('last writer wins', () => {
  test('concurrent writes to one var end the same on every replica and the hub: the greatest (stamp, writer)', async () => {
    const clients = [await client({ skewMs: 30 }), await client({ skewMs: -30 }), await client()];
    for (const { link } of clients) link.sync('race.>');
    await settled(...clients.map((c) => c.link));
    // Every replica writes before any of them can hear of the others.
    for (const [i, { space }] of clients.entries()) space.intern('race/x', `from ${i}`);
    const written = await Promise.all(clients.map(({ link }) => stateOf<string>(link, 'race/x')));
    await settled(...clients.map((c) => c.link));
    await settled(...clients.map((c) => c.link));
    const winner = written.reduce((best, w) => (compareWrites(w.stamp, w.from, best.stamp, best.from) > 0 ? w : best));
    for (const { space, link } of clients) {
      expect(space.resolve('race/x')!.deref()).toBe(winner.value);
      expect(await stateOf(link, 'race/x')).toMatchObject({ value: winner.value, stamp: winner.stamp, from: winner.from });
    }
    expect(hub.space.resolve('race/x')!.deref()).toBe(winner.value);
    expect(hub.hub.store.get('race/x')).toMatchObject({ value: winner.value, stamp: winner.stamp, from: winner.from });
  });

  test('equal stamps are ordered by instance id, the same way everywhere', async () => {
    const frozen = Date.now();
    // Links set their clocks to the hub's time at the welcome: the hub's clock is frozen too.
    await hub.close();
    hub = await startHub({ port: 0, host: '127.0.0.1', now: () => frozen });
    const a = await client({ fixedNow: frozen });
    const b = await client({ fixedNow: frozen });
    a.link.sync('tie.>');
    b.link.sync('tie.>');
    await settled(a.link, b.link);
    a.space.intern('tie/x', 'a');
    b.space.intern('tie/x', 'b');
    const [fromA, fromB] = [await stateOf(a.link, 'tie/x'), await stateOf(b.link, 'tie/x')];
    expect(fromA.stamp).toBe(fromB.stamp);
    await settled(a.link, b.link);
    await settled(a.link, b.link);
    const expected = a.link.instanceId > b.link.instanceId ? 'a' : 'b';
    expect(a.space.resolve('tie/x')!.deref()).toBe(expected);
    expect(b.space.resolve('tie/x')!.deref()).toBe(expected);
    expect(hub.space.resolve('tie/x')!.deref()).toBe(expected);
  });

  test('a write stamped before the one held is ignored by the hub and every replica; its writer is corrected', async () => {
    const stale = await client({ skewMs: -MINUTE, switchable: true });
    const fresh = await client();
    const watcher = await client();
    for (const { link } of [stale, fresh, watcher]) link.sync('lww.>');
    await settled(stale.link, fresh.link, watcher.link);

    // Offline, the writer with the slow clock writes; meanwhile another writes, a minute "later".
    stale.net!.goOffline();
    await reconnecting(stale.link);
    stale.space.intern('lww/x', 'stale');
    const ack = await fresh.link.set('lww/x', 'fresh');
    await settled(watcher.link);
    const held = hub.hub.store.get('lww/x')!;
    expect(held).toMatchObject({ value: 'fresh', rev: ack.rev, from: fresh.link.instanceId });

    // Back online: the offline write reaches the hub (it is older) and changes nothing anywhere.
    stale.net!.goOnline();
    await opened(stale.link);
    await settled(stale.link, fresh.link, watcher.link);
    await settled(stale.link);
    expect(hub.hub.store.get('lww/x')).toEqual(held);
    for (const { space, link } of [stale, fresh, watcher]) {
      expect(space.resolve('lww/x')!.deref()).toBe('fresh');
      expect(await stateOf(link, 'lww/x')).toMatchObject({ stamp: held.stamp, from: fresh.link.instanceId });
    }
    expect(fresh.link.revision('lww/x')).toBe(held.rev);
  });

  test('a writer that does not follow is corrected too, and a later follow finds it in step', async () => {
    let t = Date.now();
    const fresh = await client({ clock: () => t });
    const behind = await client({ skewMs: -MINUTE });
    t += 1000;
    await fresh.link.set('solo/x', 'held');
    // `behind` writes without following: its write is older than the held one.
    await behind.link.set('solo/x', 'older');
    await settled(behind.link);
    expect(hub.space.resolve('solo/x')!.deref()).toBe('held');
    expect(behind.space.resolve('solo/x')!.deref()).toBe('held');
    // The same for a shared var.
    t += 1000;
    await fresh.link.set('solo/y', 'fresh');
    behind.link.share('solo.>');
    behind.space.intern('solo/y', 'older again');
    await settled(behind.link);
    expect(hub.space.resolve('solo/y')!.deref()).toBe('fresh');
    expect(behind.space.resolve('solo/y')!.deref()).toBe('fresh');
    // A var this link never had is not created by a correction; a follow brings it.
    t += 1000;
    await fresh.link.set('solo/z', 'z');
    await behind.link.follow('solo.>').synced;
    for (const fqn of ['solo/x', 'solo/y', 'solo/z']) expect(behind.space.resolve(fqn)!.deref()).toBe(hub.space.resolve(fqn)!.deref());
  });

  test('clocks advance on receipt: a slow clock that has seen a write stamps its next one after it, and wins', async () => {
    const fast = await client({ skewMs: MINUTE });
    const slow = await client({ skewMs: -MINUTE });
    fast.link.sync('hlc.>');
    slow.link.sync('hlc.>');
    await settled(fast.link, slow.link);
    fast.space.intern('hlc/x', 1);
    await settled(fast.link, slow.link);
    expect(slow.space.resolve('hlc/x')!.deref()).toBe(1);
    const seen = await stateOf(slow.link, 'hlc/x');
    slow.space.resolve<number>('hlc/x')!.reset(2);
    const mine = await stateOf(slow.link, 'hlc/x');
    // Two minutes behind the first writer's clock, and still after its stamp.
    expect(mine.stamp > seen.stamp).toBe(true);
    expect(parseInt(mine.stamp.slice(0, 12), 16)).toBe(parseInt(seen.stamp.slice(0, 12), 16));
    await settled(slow.link, fast.link);
    expect(fast.space.resolve('hlc/x')!.deref()).toBe(2);
    expect(hub.hub.store.get('hlc/x')).toMatchObject({ value: 2, stamp: mine.stamp, from: slow.link.instanceId });
  });

  test("sync(pattern) is two-way: each side sends its writes and takes the other's", async () => {
    const a = await client();
    const b = await client();
    a.space.intern('both/a', 'made by a');
    b.space.intern('both.deep/b', 'made by b');
    await Promise.all([a.link.sync('both.>').synced, b.link.sync('both.>').synced]);
    await settled(a.link, b.link);
    await settled(a.link, b.link);
    for (const { space } of [a, b]) {
      expect(space.resolve('both/a')!.deref()).toBe('made by a');
      expect(space.resolve('both.deep/b')!.deref()).toBe('made by b');
    }
    b.space.resolve<string>('both/a')!.reset('changed by b');
    a.space.resolve<string>('both.deep/b')!.reset('changed by a');
    await settled(a.link, b.link);
    await settled(a.link, b.link);
    for (const { space } of [a, b, { space: hub.space }]) {
      expect(space.resolve('both/a')!.deref()).toBe('changed by b');
      expect(space.resolve('both.deep/b')!.deref()).toBe('changed by a');
    }
  });
});

describe('compare-and-set', () => {
  test('succeeds at the expected revision, and every side sees the new revision', async () => {
    const a = await client();
    const b = await client();
    await b.link.follow('jobs.>').synced;
    const created = await a.link.cas('jobs/next', 0, 1);
    expect(created.rev).toBeGreaterThan(0);
    expect(a.link.revision('jobs/next')).toBe(created.rev);
    expect(a.space.resolve('jobs/next')!.deref()).toBe(1);
    await settled(b.link);
    expect(b.space.resolve('jobs/next')!.deref()).toBe(1);
    expect(b.link.revision('jobs/next')).toBe(created.rev);

    const next = await b.link.cas('jobs/next', b.link.revision('jobs/next'), 2);
    expect(next.rev).toBeGreaterThan(created.rev);
    expect(b.link.revision('jobs/next')).toBe(next.rev);
    expect(hub.hub.store.get('jobs/next')).toMatchObject({ value: 2, rev: next.rev, from: b.link.instanceId, stamp: next.stamp });
  });

  test('a stale cas is refused with ConflictError carrying the current value and revision; the local var takes it', async () => {
    const a = await client();
    const b = await client();
    const first = await a.link.cas('jobs/next', 0, 1);
    const second = await a.link.cas('jobs/next', first.rev, 2);
    // b never followed: it knows nothing but the revision it was told, which is outdated.
    const refused = b.link.cas('jobs/next', first.rev, 99);
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    const error = (await refused.catch((e: unknown) => e)) as ConflictError;
    expect(error.code).toBe('VS_CONFLICT');
    expect(error.details?.current).toMatchObject({ value: 2, rev: second.rev, from: a.link.instanceId, stamp: second.stamp });
    expect(b.space.resolve('jobs/next')!.deref()).toBe(2);
    expect(b.link.revision('jobs/next')).toBe(second.rev);
    expect(hub.hub.store.get('jobs/next')).toMatchObject({ value: 2, rev: second.rev });
    // With the revision it was given, it succeeds.
    await b.link.cas('jobs/next', b.link.revision('jobs/next'), 3);
    expect(hub.space.resolve('jobs/next')!.deref()).toBe(3);
  });

  test('revision 0 means "must not exist": the second creator is refused', async () => {
    const a = await client();
    const b = await client();
    await a.link.cas('locks/leader', 0, 'a');
    await expect(b.link.cas('locks/leader', 0, 'b')).rejects.toMatchObject({ code: 'VS_CONFLICT', details: { current: { value: 'a' } } });
    expect(b.space.resolve('locks/leader')!.deref()).toBe('a');
  });

  test('racing cas at one revision: exactly one wins, and every replica ends with its value', async () => {
    const clients = [await client(), await client(), await client(), await client()];
    for (const { link } of clients) await link.sync('race.cas.>').synced;
    const base = await clients[0].link.cas('race.cas/n', 0, 0);
    await settled(...clients.map((c) => c.link));
    const outcomes = await Promise.allSettled(clients.map(({ link }, i) => link.cas('race.cas/n', base.rev, i + 1)));
    const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [i + 1] : []));
    expect(winners).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ConflictError);
    await settled(...clients.map((c) => c.link));
    for (const { space } of clients) expect(space.resolve('race.cas/n')!.deref()).toBe(winners[0]);
    expect(hub.space.resolve('race.cas/n')!.deref()).toBe(winners[0]);
  });

  test("a local write made while a cas is in flight is newer: neither the cas's ack nor its refusal undoes it", async () => {
    const a = await client();
    const b = await client();
    await b.link.follow('inflight.>').synced;
    a.link.share('inflight.>');
    const base = await a.link.cas('inflight/x', 0, 'base');
    // Accepted, then overwritten by a local write made before the ack came back. (The write waits
    // for the cas to go out first: in one tick, the outbox sends var state before requests.)
    const accepted = a.link.cas('inflight/x', base.rev, 'cas');
    await Promise.resolve();
    a.space.resolve<string>('inflight/x')!.reset('local after cas');
    await accepted;
    await settled(a.link, b.link);
    for (const space of [a.space, b.space, hub.space]) expect(space.resolve('inflight/x')!.deref()).toBe('local after cas');
    // Refused (stale revision), with a newer local write on its way behind it.
    const refused = a.link.cas('inflight/x', base.rev, 'stale cas');
    await Promise.resolve();
    a.space.resolve<string>('inflight/x')!.reset('local after refused cas');
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    await settled(a.link, b.link);
    for (const space of [a.space, b.space, hub.space]) expect(space.resolve('inflight/x')!.deref()).toBe('local after refused cas');
  });

  test('a cas still waiting when the hub comes back without its state is refused: its revision means nothing there', async () => {
    const a = await client({ switchable: true });
    const { rev } = await a.link.set('epoch/x', 'old');
    a.net!.goOffline();
    await reconnecting(a.link);
    const waiting = a.link.cas('epoch/x', rev, 'cas');
    // The hub restarts with an empty memory store (a new epoch); there, epoch/x reaches the same
    // revision number through other writes.
    const { port } = hub;
    await hub.close();
    hub = await startHub({ port, host: '127.0.0.1' });
    const b = await client();
    for (let i = 0; hub.hub.store.get('epoch/x')?.rev !== rev; i++) {
      if (hub.hub.store.rev >= rev) throw new Error(`revision ${rev} cannot be reached`);
      await b.link.set('epoch/x', `new ${i}`);
    }
    const held = hub.hub.store.get('epoch/x')!;
    a.net!.goOnline();
    await expect(waiting).rejects.toMatchObject({ code: 'VS_CONFLICT' });
    await settled(a.link);
    expect(hub.hub.store.get('epoch/x')).toMatchObject({ value: held.value, stamp: held.stamp });
  });

  test('a cas whose clock is behind the held write, at the right revision, still succeeds and wins everywhere', async () => {
    const writer = await client({ skewMs: MINUTE });
    const watcher = await client();
    await watcher.link.follow('slow.>').synced;
    const held = await writer.link.set('slow/x', 'held');
    // Told the revision out of band, a client a minute behind never saw the held stamp.
    const behind = await client({ skewMs: -MINUTE });
    const ack = await behind.link.cas('slow/x', held.rev, 'cas');
    expect(ack.stamp > held.stamp).toBe(true);
    expect(hub.hub.store.get('slow/x')).toMatchObject({ value: 'cas', stamp: ack.stamp, from: behind.link.instanceId, rev: ack.rev });
    await settled(watcher.link);
    expect(watcher.space.resolve('slow/x')!.deref()).toBe('cas');
    expect(behind.link.revision('slow/x')).toBe(ack.rev);
  });
});

describe('unmap is a stamped tombstone', () => {
  test('an unmap reaches every replica and the hub keeps its stamp', async () => {
    const a = await client();
    const b = await client();
    a.link.sync('tmp.>');
    b.link.sync('tmp.>');
    a.space.intern('tmp/x', 1);
    await settled(a.link, b.link);
    expect(b.space.resolve('tmp/x')!.deref()).toBe(1);
    const gone = firstValueFrom(b.space.events$('tmp/x').pipe(filter((e) => e.type === 'var-unmapped')));
    a.space.unmap('tmp/x');
    expect((await gone).origin).toBe(a.link.instanceId);
    await settled(a.link, b.link);
    const tombstone = hub.hub.store.get('tmp/x')!;
    expect(tombstone).toMatchObject({ deleted: true, from: a.link.instanceId });
    expect(hub.space.resolve('tmp/x')).toBeUndefined();
    expect(b.space.resolve('tmp/x')).toBeUndefined();
  });

  test('a late write, older than the unmap, does not bring the var back; a newer intern does', async () => {
    const unmapper = await client({ skewMs: MINUTE });
    const late = await client({ skewMs: -MINUTE, switchable: true });
    const other = await client();
    for (const { link } of [unmapper, late, other]) link.sync('gone.>');
    await settled(unmapper.link, late.link, other.link);
    other.space.intern('gone/x', 'first');
    await settled(other.link, unmapper.link, late.link);
    expect(late.space.resolve('gone/x')!.deref()).toBe('first');

    // Offline, `late` writes; meanwhile the var is unmapped, by a clock that is ahead.
    late.net!.goOffline();
    await reconnecting(late.link);
    late.space.resolve<string>('gone/x')!.reset('late write');
    unmapper.space.unmap('gone/x');
    await settled(unmapper.link, other.link);
    const tombstone = hub.hub.store.get('gone/x')!;
    expect(tombstone.deleted).toBe(true);
    late.net!.goOnline();
    await opened(late.link);
    await settled(late.link, other.link, unmapper.link);
    await settled(late.link);
    expect(hub.hub.store.get('gone/x')).toEqual(tombstone);
    for (const { space } of [unmapper, late, other, { space: hub.space }]) expect(space.resolve('gone/x')).toBeUndefined();

    // A newer intern brings it back everywhere (its clock has observed the tombstone's stamp).
    other.space.intern('gone/x', 'again');
    await settled(other.link, unmapper.link, late.link);
    for (const { space } of [unmapper, late, other, { space: hub.space }]) expect(space.resolve('gone/x')!.deref()).toBe('again');
    expect(hub.hub.store.get('gone/x')!.stamp > tombstone.stamp).toBe(true);
  });

  test("cas(fqn, 0) creates over a tombstone stamped after the creator's clock, and wins everywhere", async () => {
    const ahead = await client({ skewMs: MINUTE });
    const behind = await client({ skewMs: -MINUTE });
    ahead.link.sync('ts.>');
    ahead.space.intern('ts/x', 'first');
    await settled(ahead.link);
    ahead.space.unmap('ts/x');
    await settled(ahead.link);
    const tombstone = hub.hub.store.get('ts/x')!;
    expect(tombstone.deleted).toBe(true);
    // `behind` never heard of the var; its clock is two minutes behind the tombstone's stamp.
    const ack = await behind.link.cas('ts/x', 0, 'created');
    expect(ack.stamp > tombstone.stamp).toBe(true);
    await settled(behind.link, ahead.link);
    for (const space of [behind.space, ahead.space, hub.space]) expect(space.resolve('ts/x')!.deref()).toBe('created');
    expect(hub.hub.store.get('ts/x')).toMatchObject({ value: 'created', deleted: false, from: behind.link.instanceId, stamp: ack.stamp });
  });

  test('the writer that unmapped a var can intern it again', async () => {
    const a = await client();
    const b = await client();
    a.link.sync('again.>');
    b.link.sync('again.>');
    a.space.intern('again/x', 1);
    await settled(a.link, b.link);
    a.space.unmap('again/x');
    await settled(a.link, b.link);
    expect(b.space.resolve('again/x')).toBeUndefined();
    a.space.intern('again/x', 2);
    await settled(a.link, b.link);
    expect(b.space.resolve('again/x')!.deref()).toBe(2);
    expect(hub.hub.store.get('again/x')).toMatchObject({ value: 2, deleted: false, from: a.link.instanceId });
  });
});
