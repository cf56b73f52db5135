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

test("stamps carry any wall time below 2^47 ms (the year 6429: the clock's ceiling, see poisoning below) and any counter, digit for digit (the encoding is made by table lookups)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 2 ** 47 - 1 }), fc.integer({ min: 0, max: 0xffff }), (wall, ticks) => {
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
      list.length <= 1
        ? [list]
        : list.flatMap((w, i) => permutations([...list.slice(0, i), ...list.slice(i + 1)]).map((rest) => [w, ...rest]));
    const winners = new Set(permutations(writes).map((order) => JSON.stringify(winnerOf(order))));
    expect([...winners]).toEqual([JSON.stringify({ stamp: newer, from: 'b' })]);
  });
});

describe('poisoning', () => {
  const WELL_FORMED = /^[0-9a-f]{16}$/;
  /** What `observe` takes into account: well-formed stamps below the year 6429 (wall 2^47 ms). */
  const accepted = (stamp: string) => WELL_FORMED.test(stamp) && stamp < '8000000000000000';

  test('a stamp of ffffffffffffffff is not observed: the next ticks are well-formed and follow the wall clock', () => {
    const clock = new HybridClock(() => 1_764_180_000_000);
    const before = clock.tick();
    clock.observe('ffffffffffffffff');
    for (let i = 0; i < 3; i++) {
      const stamp = clock.tick();
      expect(stamp).toMatch(WELL_FORMED);
      expect(stamp > before).toBe(true);
      expect(wallOf(stamp)).toBe(1_764_180_000_000);
    }
  });

  test('malformed stamps and stamps from the year 6429 on are not observed; one just below is', () => {
    const clock = new HybridClock(() => 5_000);
    for (const bad of [
      '8000000000000000',
      'fffffffffffff000',
      'FFFFFFFFFFFFFFFF',
      'zzzzzzzzzzzzzzzz',
      '7fffffffffff:000',
      '7ffffffffffffff',
      '7fffffffffffffff0',
      '',
      42 as unknown as string,
    ]) {
      clock.observe(bad);
      expect(clock.peek() < '0000000000010000').toBe(true);
    }
    clock.observe('7ffffffffffe0000');
    expect(clock.tick()).toBe('7ffffffffffe0001');
  });

  test('the counter wraps into the next millisecond even at the highest stamp that can be observed', () => {
    const clock = new HybridClock(() => 1_000);
    clock.observe('7fffffffffffffff');
    const next = clock.tick();
    expect(next).toBe('8000000000000000');
    expect(clock.tick()).toBe('8000000000000001');
  });

  test('a wall clock reading past the ceiling, or not a number, never makes a malformed or smaller stamp', () => {
    const wall = manualClock(2 ** 50);
    const clock = new HybridClock(wall.now);
    const stamps = [clock.tick()];
    for (const ms of [Infinity, NaN, -Infinity, -5, 2 ** 48, 1_000]) {
      wall.set(ms);
      stamps.push(clock.tick());
    }
    for (const stamp of stamps) expect(stamp).toMatch(WELL_FORMED);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i] > stamps[i - 1]).toBe(true);
    expect(stamps[0]).toBe('7fffffffffff0000');
  });

  test('property: whatever it observed and whatever its wall clock said, every tick is a well-formed stamp greater than every earlier tick and every stamp it took into account', () => {
    const hex16 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((n) => n.toString(16).padStart(16, '0'));
    const stampArb = fc.oneof(
      hex16,
      fc.constantFrom(
        'ffffffffffffffff',
        '7fffffffffffffff',
        '7ffffffffffffffe',
        '8000000000000000',
        '0000000000000000',
        'FFFFFFFFFFFFFFFF',
        '',
        '7fffffffffffg000',
        '0000000000000000 ',
      ),
      fc.string({ maxLength: 20 }),
    );
    const wallArb = fc.oneof(
      fc.integer({ min: 0, max: 2 ** 42 }),
      fc.constantFrom(NaN, Infinity, -Infinity, -1, 2 ** 47 - 1, 2 ** 47, 2 ** 48, 2 ** 60),
      fc.double(),
    );
    const opArb = fc.oneof(
      stampArb.map((stamp) => ({ kind: 'observe' as const, stamp })),
      // What links and hubs use for stamps their wire schemas checked: any well-formed one.
      hex16.map((stamp) => ({ kind: 'observeWellFormed' as const, stamp })),
      fc.integer({ min: 1, max: 3 }).map((n) => ({ kind: 'tick' as const, n })),
      wallArb.map((ms) => ({ kind: 'wall' as const, ms })),
      wallArb.map((ms) => ({ kind: 'syncTo' as const, ms })),
    );
    fc.assert(
      fc.property(wallArb, fc.array(opArb, { maxLength: 60 }), (start, ops) => {
        const wall = manualClock(start);
        const clock = new HybridClock(wall.now);
        let floor = '0000000000000000';
        const tick = () => {
          const stamp = clock.tick();
          if (!WELL_FORMED.test(stamp)) throw new Error(`malformed tick ${stamp}`);
          if (!(stamp > floor)) throw new Error(`tick ${stamp} is not after ${floor}`);
          floor = stamp;
        };
        for (const op of ops) {
          if (op.kind === 'observe' || op.kind === 'observeWellFormed') {
            if (op.kind === 'observe') clock.observe(op.stamp);
            else clock.observeWellFormed(op.stamp);
            if (accepted(op.stamp) && op.stamp > floor) floor = op.stamp;
          } else if (op.kind === 'tick') {
            for (let i = 0; i < op.n; i++) tick();
          } else if (op.kind === 'wall') {
            wall.set(op.ms);
          } else {
            clock.syncTo(op.ms);
          }
        }
        tick();
      }),
      { numRuns: 3000 },
    );
  });

  test("syncTo sets the clock to another clock's time; a step back never makes a stamp go backwards", () => {
    const local = manualClock(1_000_000);
    const clock = new HybridClock(local.now);
    // The hub's clock reads 600,000 ms more (the local one is 10 minutes behind).
    clock.syncTo(1_600_000);
    expect(wallOf(clock.tick())).toBe(1_600_000);
    local.set(1_000_250);
    expect(wallOf(clock.tick())).toBe(1_600_250);
    // Then a hub whose clock reads 1 s less: the clock counts on within its last millisecond.
    clock.syncTo(1_599_250);
    const held = clock.tick();
    expect([wallOf(held), counterOf(held)]).toEqual([1_600_250, 1]);
    local.set(1_001_500);
    expect(wallOf(clock.tick())).toBe(1_600_250 + 250);
    // Anything but a number is ignored.
    clock.syncTo(NaN);
    expect(wallOf(clock.tick())).toBe(1_600_500);
  });
});
