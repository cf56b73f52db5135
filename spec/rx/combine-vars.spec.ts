import { Space } from '../../src/core/space.js';
import { NameError } from '../../src/core/errors.js';
import { combineVars } from '../../src/rx/combine-vars.js';
import { derive } from '../../src/rx/derive.js';
import { intoVar } from '../../src/rx/into-var.js';

describe('combineVars', () => {
  test('emits the latest values as an object once all are bound, then on each change', () => {
    const space = new Space();
    const seen: unknown[] = [];
    const a = space.intern('x/a', 1);
    const sub = combineVars({ a, b: 'x/b' }, space).subscribe((v) => seen.push(v));
    expect(seen).toEqual([]);
    const b = space.intern<string>('x/b');
    expect(seen).toEqual([]); // unbound
    b.reset('one');
    expect(seen).toEqual([{ a: 1, b: 'one' }]);
    a.reset(2);
    b.reset('two');
    expect(seen).toEqual([
      { a: 1, b: 'one' },
      { a: 2, b: 'one' },
      { a: 2, b: 'two' },
    ]);
    sub.unsubscribe();
  });

  test('the first emission is one, even when all vars exist already', () => {
    const space = new Space();
    space.intern('x/a', 1);
    space.intern('x/b', 2);
    space.intern('x/c', 3);
    const seen: unknown[] = [];
    combineVars({ a: 'x/a', b: 'x/b', c: 'x/c' }, space)
      .subscribe((v) => seen.push(v))
      .unsubscribe();
    expect(seen).toEqual([{ a: 1, b: 2, c: 3 }]);
  });

  test('a transaction emits once with the final state', () => {
    const space = new Space();
    const a = space.intern('x/a', 1);
    const b = space.intern('x/b', 1);
    const seen: unknown[] = [];
    combineVars({ a, b }, space).subscribe((v) => seen.push(v));
    space.transact(() => {
      a.reset(2);
      b.reset(3);
      a.reset(4);
    });
    expect(seen).toEqual([
      { a: 1, b: 1 },
      { a: 4, b: 3 },
    ]);
  });

  test('is glitch-free over derived vars', () => {
    const space = new Space();
    const a = space.intern('x/a', 1);
    const double = derive('x/double', [a], (v) => v * 2, space);
    const seen: string[] = [];
    combineVars({ a, double }, space).subscribe(({ a: av, double: dv }) => seen.push(`${av}/${dv}`));
    a.reset(5);
    expect(seen).toEqual(['1/2', '5/10']);
  });

  test('a writer inside a subscriber sees consistent state (no re-entrant emission)', () => {
    const space = new Space();
    const a = space.intern('x/a', 0);
    const seen: number[] = [];
    combineVars({ a }, space).subscribe(({ a: v }) => {
      seen.push(v);
      if (v < 3) a.reset(v + 1);
    });
    expect(seen).toEqual([0, 1, 2, 3]);
  });

  test('feeds intoVar (combine → var) and a derive from that var', () => {
    const space = new Space();
    const a = space.intern('x/a', 1);
    const b = space.intern('x/b', 2);
    combineVars({ a, b }, space).pipe(intoVar<{ a: number; b: number }>('x/pair', space)).subscribe();
    const sum = derive('x/sum', ['x/pair'], (p: { a: number; b: number }) => p.a + p.b, space);
    expect(sum.deref()).toBe(3);
    b.reset(10);
    expect(sum.deref()).toBe(11);
  });

  test('follows FQNs across unmap and intern again, keeping the last value meanwhile', () => {
    const space = new Space();
    space.intern('x/a', 1);
    const b = space.intern('x/b', 1);
    const seen: unknown[] = [];
    combineVars({ a: 'x/a', b }, space).subscribe((v) => seen.push(v));
    space.unmap('x/a');
    b.reset(2);
    space.intern('x/a', 9);
    expect(seen).toEqual([
      { a: 1, b: 1 },
      { a: 1, b: 2 },
      { a: 9, b: 2 },
    ]);
  });

  test('unsubscribing releases every subscription', () => {
    const space = new Space();
    const a = space.intern('x/a', 1);
    const sub = combineVars({ a, b: 'x/b', c: 'y/c' }, space).subscribe();
    expect(a.observed).toBe(true);
    expect(space.stats().listeners).toBe(3);
    sub.unsubscribe();
    expect(a.observed).toBe(false);
    expect(space.stats().listeners).toBe(0);
  });

  test('an unsubscribe during a batch cancels the queued emission', () => {
    const space = new Space();
    const a = space.intern('x/a', 1);
    const seen: unknown[] = [];
    const sub = combineVars({ a }, space).subscribe((v) => seen.push(v));
    space.transact(() => {
      a.reset(2);
      sub.unsubscribe();
    });
    expect(seen).toEqual([{ a: 1 }]);
  });

  test('an empty spec emits {} once', () => {
    const seen: unknown[] = [];
    combineVars({}, new Space()).subscribe((v) => seen.push(v));
    expect(seen).toEqual([{}]);
  });

  test('bad specs throw at call time', () => {
    const space = new Space();
    expect(() => combineVars({ a: 'no-slash' }, space)).toThrow(NameError);
    expect(() => combineVars({ a: 3 as any }, space)).toThrow(NameError);
    expect(() => combineVars(JSON.parse('{"__proto__": "x/a"}'), space)).toThrow(/__proto__/);
    expect(() => combineVars(null as any, space)).toThrow(NameError);
  });
});
