import { map } from 'rxjs';
import { Space } from '../../src/core/space.js';
import { NameError } from '../../src/core/errors.js';
import { defaultSpace } from '../../src/core/default-space.js';
import { ref$ } from '../../src/rx/ref$.js';

describe('ref$', () => {
  test('waits for the var, emits bound values only, follows re-creation', () => {
    const space = new Space();
    const seen: unknown[] = [];
    const sub = ref$<number>('a/x', space).subscribe((v) => seen.push(v));
    const x = space.intern<number>('a/x'); // unbound: nothing
    x.reset(1);
    x.reset(2);
    space.unmap('a/x');
    space.intern('a/x', 3);
    expect(seen).toEqual([1, 2, 3]);
    sub.unsubscribe();
    expect(space.stats().listeners).toBe(0);
    expect(space.resolve('a/x')!.observed).toBe(false);
  });

  test('given a var, follows its FQN in its own space and infers the type', () => {
    const space = new Space();
    const x = space.intern('a/x', 2);
    const seen: number[] = [];
    ref$(x)
      .pipe(map((n) => n * 10))
      .subscribe((v) => seen.push(v));
    x.reset(3);
    space.unmap('a/x');
    space.intern('a/x', 4);
    expect(seen).toEqual([20, 30, 40]);
  });

  test('the current value comes first, synchronously', () => {
    const space = new Space();
    space.intern('a/x', 'now');
    let got: unknown;
    ref$('a/x', space)
      .subscribe((v) => (got = v))
      .unsubscribe();
    expect(got).toBe('now');
  });

  test('uses defaultSpace() when no space is given', () => {
    const seen: unknown[] = [];
    const sub = ref$('spec.rx.ref/default').subscribe((v) => seen.push(v));
    defaultSpace().intern('spec.rx.ref/default', 1);
    sub.unsubscribe();
    defaultSpace().removeNs('spec');
    expect(seen).toEqual([1]);
  });

  test('a bad FQN throws at call time', () => {
    expect(() => ref$('bad', new Space())).toThrow(NameError);
    expect(() => ref$(7 as any, new Space())).toThrow(NameError);
  });
});
