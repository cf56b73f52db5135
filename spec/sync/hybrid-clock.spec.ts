import fc from 'fast-check';
import { HybridClock, compareWrites } from '../../src/index.js';

/** A wall clock the test moves by hand (it may go backwards). */
function manualClock(start: number) {
  let now = start;
  return {
    now: () => now,
    set: (ms: number) => {
      now = ms;
    },
  };
}

const wallOf = (stamp: string) => parseInt(stamp.slice(0, 12), 16);
const counterOf = (stamp: string) => parseInt(stamp.slice(12), 16);

test('a stamp is 16 lowercase hex digits: 12 of wall-clock ms, then 4 of counter', () => {
  const clock = new HybridClock(() => 1_764_180_000_123);
  const stamp = clock.tick();
  expect(stamp).toMatch(/^[0-9a-f]{16}$/);
  expect(wallOf(stamp)).toBe(1_764_180_000_123);
  expect(counterOf(stamp)).toBe(0);
  expect(clock.peek()).toBe(stamp);
});

test('stamps carry any wall time up to 2^48 ms and any counter, digit for digit (the encoding is made by table lookups)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 48 - 1 }), fc.integer({ min: 0, max: 0xffff }), (wall, ticks) => {
      const clock = new HybridClock(() => wall);
      // Observing (wall, ticks - 1) makes the next tick (wall, ticks); with ticks 0, the tick is (wall, 0)
      // (a new clock counts as having issued (0, 0), so wall 0 is left out).
      if (ticks > 0) clock.observe(wall.toString(16).padStart(12, '0') + (ticks - 1).toString(16).padStart(4, '0'));
      expect(clock.tick()).toBe(wall.toString(16).padStart(12, '0') + ticks.toString(16).padStart(4, '0'));
    }),
    { numRuns: 2000 },
  );
});

test('ticks follow the wall clock, and the counter orders ticks within one millisecond', () => {
  const wall = manualClock(1_000);
  const clock = new HybridClock(wall.now);
  const a = clock.tick();
  const b = clock.tick();
  wall.set(1_005);
  const c = clock.tick();
  expect([wallOf(a), counterOf(a)]).toEqual([1_000, 0]);
  expect([wallOf(b), counterOf(b)]).toEqual([1_000, 1]);
  expect([wallOf(c), counterOf(c)]).toEqual([1_005, 0]);
  expect(a < b && b < c).toBe(true);
});

test('a wall clock that jumps backwards never makes a stamp go backwards', () => {
  const wall = manualClock(50_000);
  const clock = new HybridClock(wall.now);
  const stamps = [clock.tick()];
  // NTP steps the clock back by 10 s, then it creeps forward again, still behind.
  for (const ms of [40_000, 40_001, 45_000, 49_999, 50_000, 50_001]) {
    wall.set(ms);
    stamps.push(clock.tick(), clock.tick());
  }
  for (let i = 1; i < stamps.length; i++) expect(stamps[i] > stamps[i - 1]).toBe(true);
  // While the wall clock is behind, the clock keeps its wall time and counts.
  expect(wallOf(stamps[1])).toBe(50_000);
  // Once the wall clock passes the last stamp again, stamps follow it again.
  expect(wallOf(stamps[stamps.length - 1])).toBe(50_001);
  expect(counterOf(stamps[stamps.length - 2])).toBe(0);
});

test('clocks advance on receipt: after observing a stamp from a faster clock, every tick is greater', () => {
  const fast = new HybridClock(() => 2_000_000);
  const slow = new HybridClock(() => 1_000_000);
  const before = slow.tick();
  const received = fast.tick();
  expect(before < received).toBe(true);
  slow.observe(received);
  expect(slow.peek()).toBe(received);
  const after = slow.tick();
  expect(after > received).toBe(true);
  expect(wallOf(after)).toBe(2_000_000);
  // Observing an older stamp changes nothing.
  slow.observe(before);
  expect(slow.tick() > after).toBe(true);
});

test('observing a stamp with an exhausted counter makes the next tick borrow the next millisecond', () => {
  const clock = new HybridClock(() => 10);
  clock.observe('00000000000affff');
  const next = clock.tick();
  expect([wallOf(next), counterOf(next)]).toEqual([11, 0]);
});

test('counter overflow: more than 65,536 ticks within one millisecond stay strictly increasing', () => {
  const clock = new HybridClock(() => 7_000);
  let previous = clock.tick();
  for (let i = 1; i <= 0x10000 + 5; i++) {
    const stamp = clock.tick();
    if (!(stamp > previous)) throw new Error(`tick ${i}: ${stamp} is not after ${previous}`);
    if (i === 0xffff) expect([wallOf(stamp), counterOf(stamp)]).toEqual([7_000, 0xffff]);
    if (i === 0x10000) expect([wallOf(stamp), counterOf(stamp)]).toEqual([7_001, 0]);
    previous = stamp;
  }
  expect(previous).toMatch(/^[0-9a-f]{16}$/);
  // The borrowed millisecond is kept until the wall clock catches up; then the clock follows it again.
  expect(wallOf(previous)).toBe(7_001);
});

test('stamps compare as strings in the same order as (wall, counter)', () => {
  const stamps = ['00000000000a0000', '00000000000a0001', '00000000000affff', '00000000000b0000', '0000000100000000'];
  const shuffled = [stamps[3], stamps[0], stamps[4], stamps[2], stamps[1]];
  expect([...shuffled].sort()).toEqual(stamps);
});

describe('compareWrites', () => {
  const older = '0193f2a1b2c30000';
  const newer = '0193f2a1b2c30001';

  test('orders writes by stamp first, whatever the writers', () => {
    expect(compareWrites(older, 'zzz', newer, 'aaa')).toBeLessThan(0);
    expect(compareWrites(newer, 'aaa', older, 'zzz')).toBeGreaterThan(0);
  });

  test('breaks a tie of stamps by instance id, so every replica picks the same winner', () => {
    expect(compareWrites(older, 'instance-a', older, 'instance-b')).toBeLessThan(0);
    expect(compareWrites(older, 'instance-b', older, 'instance-a')).toBeGreaterThan(0);
  });

  test('the same stamp from the same writer is the same write', () => {
    expect(compareWrites(older, 'instance-a', older, 'instance-a')).toBe(0);
  });

  test('is a total order: any arrival order of a set of writes elects the same last writer', () => {
    const writes = [
      { stamp: newer, from: 'b' },
      { stamp: older, from: 'c' },
      { stamp: newer, from: 'a' },
      { stamp: older, from: 'z' },
      { stamp: '0193f2a1b2c2ffff', from: 'zz' },
    ];
    const winnerOf = (order: typeof writes) =>
      order.reduce((held, w) => (compareWrites(w.stamp, w.from, held.stamp, held.from) > 0 ? w : held));
    const permutations = (list: typeof writes): (typeof writes)[] =>
      list.length <= 1 ? [list] : list.flatMap((w, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((rest) => [w, ...rest]));
    const winners = new Set(permutations(writes).map((order) => JSON.stringify(winnerOf(order))));
    expect([...winners]).toEqual([JSON.stringify({ stamp: newer, from: 'b' })]);
  });
});
