import { z } from 'zod';
import { Space } from '../../src/core/space.js';
import { CycleError, NameError, ReadOnlyError, ValidationError } from '../../src/core/errors.js';
import fc from 'fast-check';
import { combineVars } from '../../src/rx/combine-vars.js';
import { derive } from '../../src/rx/derive.js';

function collectErrors(space: Space): unknown[] {
  const errors: unknown[] = [];
  space.errors$.subscribe((e) => errors.push(e));
  return errors;
}

describe('derive', () => {
  test('computes from FQN and var sources, in order', () => {
    const space = new Space();
    const price = space.intern('cart/price', 10);
    space.intern('cart/qty', 3);
    const total = derive('cart/total', [price, 'cart/qty'], (p, q: number) => p * q, space);
    expect(total.deref()).toBe(30);
    expect(space.resolve('cart/total')).toBe(total);
    price.reset(2);
    expect(total.deref()).toBe(6);
  });

  test('app writes throw ReadOnlyError; intern with a value too', () => {
    const space = new Space();
    space.intern('a/x', 1);
    const d = derive('a/d', ['a/x'], (x: number) => x + 1, space);
    expect(() => d.reset(5)).toThrow(ReadOnlyError);
    expect(() => d.swap((n) => n + 1)).toThrow(expect.objectContaining({ code: 'VS_READ_ONLY' }));
    expect(() => d.next(5)).toThrow(ReadOnlyError);
    expect(() => space.intern('a/d', 9)).toThrow(ReadOnlyError);
    expect(d.deref()).toBe(2);
  });

  test('waits until every source exists and is bound', () => {
    const space = new Space();
    const seen: unknown[] = [];
    const d = derive('a/sum', ['a/x', 'a/y'], (x: number, y: number) => x + y, space);
    d.subscribe((v) => seen.push(v));
    expect(d.bound).toBe(false);
    space.intern('a/x', 1);
    space.intern('a/y'); // unbound
    expect(d.bound).toBe(false);
    space.resolve<number>('a/y')!.reset(2);
    expect(d.deref()).toBe(3);
    expect(seen).toEqual([undefined, 3]);
  });

  test('recomputes once per source change, and not on an equal result', () => {
    const space = new Space();
    const x = space.intern('a/x', 1);
    let calls = 0;
    const parity = derive(
      'a/parity',
      [x],
      (n) => {
        calls++;
        return n % 2;
      },
      space,
    );
    const seen: number[] = [];
    parity.subscribe((v) => seen.push(v));
    expect(calls).toBe(1);
    x.reset(3);
    x.reset(4);
    expect(calls).toBe(3);
    expect(seen).toEqual([1, 0]); // 3 % 2 === 1 did not re-emit
  });

  test('a diamond is glitch-free: one recomputation per change, never a mixed state', () => {
    const space = new Space();
    const a = space.intern('g/a', 1);
    const b = derive('g/b', [a], (v) => v * 10, space);
    const c = derive('g/c', [a], (v) => v * 100, space);
    const seen: string[] = [];
    let calls = 0;
    const d = derive(
      'g/d',
      [b, c, a],
      (bv, cv, av) => {
        calls++;
        seen.push(`${av}:${bv}:${cv}`);
        return bv + cv + av;
      },
      space,
    );
    expect(d.deref()).toBe(111);
    a.reset(2);
    expect(d.deref()).toBe(222);
    expect(calls).toBe(2);
    expect(seen).toEqual(['1:10:100', '2:20:200']);
  });

  test('ranks follow derivations defined top-down (downstream before upstream)', () => {
    const space = new Space();
    const seen: string[] = [];
    // d reads a and b; b is defined later, from a.
    const d = derive(
      'g/d',
      ['g/a', 'g/b'],
      (a: number, b: number) => {
        seen.push(`${a}:${b}`);
        return a + b;
      },
      space,
    );
    const a = space.intern('g/a', 1);
    derive('g/b', [a], (v) => v * 10, space);
    expect(d.deref()).toBe(11);
    seen.length = 0;
    a.reset(2);
    expect(seen).toEqual(['2:20']);
  });

  test('a transaction writing 100 sources recomputes exactly once', () => {
    const space = new Space();
    const fqns = Array.from({ length: 100 }, (_, i) => `t.src/v${i}`);
    const vars = fqns.map((f) => space.intern(f, 0));
    let calls = 0;
    const sum = derive(
      't/sum',
      fqns,
      (...values: number[]) => {
        calls++;
        return values.reduce((s, v) => s + v, 0);
      },
      space,
    );
    const seen: number[] = [];
    sum.subscribe((v) => seen.push(v));
    calls = 0;
    space.transact(() => vars.forEach((v, i) => v.reset(i + 1)));
    expect(calls).toBe(1);
    expect(sum.deref()).toBe(5050);
    expect(seen).toEqual([0, 5050]);
  });

  test('a rolled-back transaction recomputes nothing', () => {
    const space = new Space();
    const x = space.intern('a/x', 1);
    let calls = 0;
    const d = derive(
      'a/d',
      [x],
      (v) => {
        calls++;
        return v * 2;
      },
      space,
    );
    calls = 0;
    expect(() =>
      space.transact(() => {
        x.reset(5);
        throw new Error('no');
      }),
    ).toThrow('no');
    expect(calls).toBe(0);
    expect(d.deref()).toBe(2);
    expect(x.deref()).toBe(1);
  });

  test('a chain 10 deep propagates once per level', () => {
    const space = new Space();
    const root = space.intern('c/d0', 0);
    let calls = 0;
    let last = root;
    for (let i = 1; i <= 10; i++)
      last = derive(
        `c/d${i}`,
        [last],
        (v: number) => {
          calls++;
          return v + 1;
        },
        space,
      );
    expect(last.deref()).toBe(10);
    calls = 0;
    root.reset(5);
    expect(last.deref()).toBe(15);
    expect(calls).toBe(10);
  });

  test('follows an FQN source across unmap and intern again', () => {
    const space = new Space();
    space.intern('a/x', 1);
    const d = derive('a/d', ['a/x'], (x: number) => x * 2, space);
    space.unmap('a/x');
    expect(d.deref()).toBe(2); // keeps its value
    space.intern('a/x', 7);
    expect(d.deref()).toBe(14);
  });

  test('unmap releases every subscription it holds', () => {
    const space = new Space();
    const before = space.stats().listeners;
    const x = space.intern('a/x', 1);
    const y = space.intern('a/y', 2);
    derive('a/d', [x, 'a/y'], (a, b: number) => a + b, space);
    expect(x.observed).toBe(true);
    expect(space.stats().listeners).toBeGreaterThan(before);
    expect(space.unmap('a/d')).toBe(true);
    expect(x.observed).toBe(false);
    expect(y.observed).toBe(false);
    expect(space.stats().listeners).toBe(before);
    x.reset(10); // nothing left to recompute
    const again = space.intern('a/d', 'plain');
    expect(again.deref()).toBe('plain');
    again.reset('writable');
  });

  test('removeNs releases derivations in it', () => {
    const space = new Space();
    const x = space.intern('src/x', 1);
    derive('out.a/d', [x], (v) => v, space);
    space.removeNs('out');
    expect(x.observed).toBe(false);
    expect(space.stats().listeners).toBe(0);
  });

  test('deriving the same FQN again replaces the definition', () => {
    const space = new Space();
    const x = space.intern('a/x', 2);
    const first = derive('a/d', [x], (v) => v + 1, space);
    const second = derive('a/d', [x], (v) => v * 100, space);
    expect(second).toBe(first);
    expect(second.deref()).toBe(200);
    x.reset(3);
    expect(second.deref()).toBe(300);
    space.unmap('a/d');
    expect(x.observed).toBe(false);
  });

  test('an error in fn is reported on errors$ and the var keeps its value', () => {
    const space = new Space();
    const errors = collectErrors(space);
    const x = space.intern('a/x', 1);
    const d = derive(
      'a/d',
      [x],
      (v) => {
        if (v < 0) throw new Error('negative');
        return v;
      },
      space,
    );
    x.reset(-1);
    expect(d.deref()).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ message: 'negative' })]);
    x.reset(4);
    expect(d.deref()).toBe(4);
  });

  test('a validator on the derived var refuses values: reported, value kept', () => {
    const space = new Space();
    const errors = collectErrors(space);
    const x = space.intern('a/x', 1);
    const d = derive('a/d', [x], (v) => v, space);
    d.setValidator(z.number().max(10));
    x.reset(50);
    expect(d.deref()).toBe(1);
    expect(errors[0]).toBeInstanceOf(ValidationError);
  });

  test('refuses cycles, direct or through other derivations', () => {
    const space = new Space();
    expect(() => derive('a/self', ['a/self'], (v) => v, space)).toThrow(CycleError);
    derive('a/b', ['a/c'], (v) => v, space);
    derive('a/c', ['a/d'], (v) => v, space);
    expect(() => derive('a/d', ['a/b'], (v) => v, space)).toThrow(
      expect.objectContaining({ code: 'VS_CYCLE', message: expect.stringContaining('a/d <- a/b <- a/c <- a/d') }),
    );
  });

  test('bad arguments throw at call time', () => {
    const space = new Space();
    expect(() => derive('bad name', [], () => 1, space)).toThrow(NameError);
    expect(() => derive('a/d', ['nope'], () => 1, space)).toThrow(NameError);
    expect(() => derive('a/d', [42 as any], () => 1, space)).toThrow(NameError);
    expect(() => derive('$sys/d', [], () => 1, space)).toThrow(expect.objectContaining({ code: 'VS_RESERVED_NAME' }));
    expect(space.stats().vars).toBe(0);
  });

  test('no sources: computed once', () => {
    const space = new Space();
    expect(derive('a/k', [], () => 42, space).deref()).toBe(42);
  });
});

describe('derive and combineVars: properties', () => {
  test('nested transact joins the outer one: one recomputation at the end', () => {
    const space = new Space();
    const a = space.intern('n/a', 0);
    const b = space.intern('n/b', 0);
    let calls = 0;
    const sum = derive(
      'n/sum',
      [a, b],
      (x, y) => {
        calls++;
        return x + y;
      },
      space,
    );
    calls = 0;
    space.transact(() => {
      a.reset(1);
      space.transact(() => b.reset(2));
      expect(calls).toBe(0);
    });
    expect(calls).toBe(1);
    expect(sum.deref()).toBe(3);
  });

  test('any sequence of writes and transactions: every emission is consistent, at most one per step', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            tx: fc.boolean(),
            writes: fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: -50, max: 50 })), { minLength: 1, maxLength: 6 }),
          }),
          { maxLength: 20 },
        ),
        (steps) => {
          const space = new Space();
          const src = [0, 1, 2, 3].map((i) => space.intern(`p/s${i}`, i));
          // a small DAG: two levels of derived vars over overlapping sources, then a combine
          const left = derive('p/left', [src[0], src[1]], (x, y) => x + y, space);
          const right = derive('p/right', [src[1], src[2]], (x, y) => x * y, space);
          const top = derive('p/top', [left, right, src[3]], (l, r, z) => l - r + z, space);
          const expected = () => {
            const [s0, s1, s2, s3] = src.map((v) => v.deref());
            return { top: s0 + s1 - s1 * s2 + s3, left: s0 + s1 };
          };
          const seen: Array<{ top: number; left: number }> = [];
          const glitches: unknown[] = [];
          const sub = combineVars({ top, left }, space).subscribe((v) => {
            seen.push(v);
            // at the moment it is emitted, a combined value matches the sources as they are
            const now = expected();
            if (v.top !== now.top || v.left !== now.left) glitches.push({ seen: v, expected: now });
          });
          for (const step of steps) {
            const before = seen.length;
            const write = () => step.writes.forEach(([i, value]) => src[i].reset(value));
            if (step.tx) space.transact(write);
            else write();
            const emitted = seen.slice(before);
            if (step.tx) expect(emitted.length).toBeLessThanOrEqual(1);
            else expect(emitted.length).toBeLessThanOrEqual(step.writes.length);
            expect(seen[seen.length - 1]).toEqual(expected());
          }
          sub.unsubscribe();
          expect(glitches).toEqual([]);
          expect(src.some((v) => v.observed)).toBe(true); // still held by the derived vars
          for (const fqn of ['p/top', 'p/left', 'p/right']) space.unmap(fqn);
          expect(src.some((v) => v.observed)).toBe(false);
          expect(space.stats().listeners).toBe(0);
        },
      ),
      { numRuns: 200 },
    );
  });
});
