import { BehaviorSubject, Subject, concat, map, of, throwError } from 'rxjs';
import { z } from 'zod';
import { ReadOnlyError, Space, UnmappedError, ValidationError, type Change, type SpaceEvent, type Var } from '../../src/index.js';

let space: Space;
let errors: unknown[];

beforeEach(() => {
  space = new Space();
  errors = [];
  space.errors$.subscribe((error) => errors.push(error));
});

/** Values the var emits from now on (the current one, on subscribe, is left out). */
function emitted<T>(target: Var<T>): T[] {
  const values: T[] = [];
  let first = true;
  target.subscribe((value) => {
    if (first) first = false;
    else values.push(value);
  });
  return values;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function validationError(fn: () => unknown): ValidationError {
  const error = caught(fn);
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('identity and value', () => {
  test('is a BehaviorSubject with a stable fqn, name and ns', () => {
    const v = space.intern('ui.buttons/b1', 1);
    expect(v).toBeInstanceOf(BehaviorSubject);
    expect(v.fqn).toBe('ui.buttons/b1');
    expect(v.name).toBe('b1');
    expect(v.ns).toBe('ui.buttons');
    expect(v.deref()).toBe(1);
    expect(v.getValue()).toBe(1);
  });

  test('works with RxJS operators like any BehaviorSubject', () => {
    const v = space.intern('app/n', 2);
    const doubled: number[] = [];
    v.pipe(map((n) => (n as number) * 2)).subscribe((n) => doubled.push(n));
    v.reset(5);
    expect(doubled).toEqual([4, 10]);
  });

  test('reset sets, emits and returns the value; it emits an unchanged value too', () => {
    const v = space.intern('app/n', 0);
    const values = emitted(v);
    expect(v.reset(1)).toBe(1);
    expect(v.reset(1)).toBe(1);
    expect(values).toEqual([1, 1]);
    expect(v.deref()).toBe(1);
  });

  test('swap applies a function of the current value and extra arguments', () => {
    const v = space.intern('app/n', 10);
    expect(v.swap((n, by: number, times: number) => n + by * times, 2, 3)).toBe(16);
    expect(v.deref()).toBe(16);
  });

  test('resetVals and swapVals return [old, new]', () => {
    const v = space.intern('app/n', 1);
    expect(v.resetVals(2)).toEqual([1, 2]);
    expect(v.swapVals((n, by: number) => n + by, 5)).toEqual([2, 7]);
    expect(v.deref()).toBe(7);
  });

  test('compareAndSet sets only when the current value is Object.is the expected one', () => {
    const v = space.intern<unknown>('app/x', { a: 1 });
    const values = emitted(v);
    expect(v.compareAndSet({ a: 1 }, 2)).toBe(false); // equal, not the same object
    expect(v.deref()).toEqual({ a: 1 });
    const current = v.deref();
    expect(v.compareAndSet(current, 2)).toBe(true);
    expect(v.deref()).toBe(2);
    v.reset(NaN);
    expect(v.compareAndSet(NaN, 3)).toBe(true); // Object.is(NaN, NaN)
    v.reset(0);
    expect(v.compareAndSet(-0, 4)).toBe(false); // Object.is(0, -0) is false
    expect(values).toEqual([2, NaN, 3, 0]);
  });

  test('version counts accepted writes, whatever the method', () => {
    const v = space.intern('app/n', 0);
    expect(v.version).toBe(1);
    v.reset(1);
    v.swap((n) => n + 1);
    v.next(5);
    v.compareAndSet(5, 6);
    v.compareAndSet(99, 7); // refused: no write
    expect(v.version).toBe(5);
  });
});

describe('bound', () => {
  test('a var interned without a value is unbound and holds undefined', () => {
    const v = space.intern<number>('app/later');
    expect(v.bound).toBe(false);
    expect(v.deref()).toBeUndefined();
    expect(v.version).toBe(0);
    const seen: unknown[] = [];
    v.subscribe((value) => seen.push(value)); // a BehaviorSubject: emits what it holds
    expect(seen).toEqual([undefined]);
    v.reset(1);
    expect(v.bound).toBe(true);
    expect(seen).toEqual([undefined, 1]);
  });

  test('a var interned with a value, even undefined, is bound', () => {
    expect(space.intern('app/a', 0).bound).toBe(true);
    expect(space.intern('app/b', undefined).bound).toBe(true);
  });
});

describe('next: a var as the observer of a source', () => {
  test('next is reset', () => {
    const v = space.intern('app/n', 0);
    const values = emitted(v);
    v.next(3);
    expect(v.deref()).toBe(3);
    expect(v.version).toBe(2);
    expect(values).toEqual([3]);
  });

  test('of(1, 2, 3).subscribe(v) leaves v at 3, not completed and still writable', () => {
    const v = space.intern('app/n', 0);
    const values: number[] = [];
    let completed = false;
    v.subscribe({ next: (n) => values.push(n as number), complete: () => (completed = true) });
    of(1, 2, 3).subscribe(v);
    expect(v.deref()).toBe(3);
    expect(completed).toBe(false);
    expect(v.observed).toBe(true);
    v.reset(4);
    expect(values).toEqual([0, 1, 2, 3, 4]);
  });

  test('an erroring source is reported on errors$ and does not kill the var', () => {
    const v = space.intern('app/n', 0);
    const failure = new Error('source failed');
    let erred = false;
    v.subscribe({ error: () => (erred = true) });
    concat(
      of(1),
      throwError(() => failure),
    ).subscribe(v);
    expect(v.deref()).toBe(1);
    expect(errors).toEqual([failure]);
    expect(erred).toBe(false);
    expect(v.hasError).toBe(false);
    v.reset(2);
    expect(v.deref()).toBe(2);
  });

  test('two sources piped into one var both write to it', () => {
    const v = space.intern('app/n', 0);
    const a = new Subject<number>();
    const b = new Subject<number>();
    a.subscribe(v);
    b.subscribe(v);
    a.next(1);
    a.complete();
    b.next(2);
    expect(v.deref()).toBe(2);
    expect(v.version).toBe(3);
  });
});

describe('validators', () => {
  test.each([
    ['a zod schema', z.number().int()],
    ['a predicate', (value: unknown) => Number.isInteger(value)],
  ])('with %s, a refused write throws and changes nothing', (_, validator) => {
    const v = space.intern<unknown>('app/n', 1);
    v.setValidator(validator);
    const values = emitted(v);
    const changes: unknown[] = [];
    v.changes$.subscribe((change) => changes.push(change));
    const watched: unknown[] = [];
    v.addWatch('w', (...args) => watched.push(args));

    const error = validationError(() => v.reset(1.5));
    expect(error.code).toBe('VS_INVALID_VALUE');
    expect(error.message).toContain('app/n');
    expect(error.details).toMatchObject({ fqn: 'app/n' });
    expect(() => v.swap(() => 'x')).toThrow(ValidationError);
    expect(() => v.next('y')).toThrow(ValidationError);
    expect(() => v.compareAndSet(1, 2.5)).toThrow(ValidationError);

    expect(v.deref()).toBe(1);
    expect(v.version).toBe(1);
    expect(values).toEqual([]);
    expect(changes).toEqual([]);
    expect(watched).toEqual([]);
    v.reset(2);
    expect(values).toEqual([2]);
  });

  test('a zod refusal lists its issues with their paths', () => {
    const v = space.intern('app/user', { name: 'ada', age: 36 });
    v.setValidator(z.object({ name: z.string(), age: z.number() }));
    const error = validationError(() => v.reset({ name: 'ada', age: 'old' as unknown as number }));
    expect(error.message).toContain('age');
    expect(error.details?.issues).toEqual([expect.objectContaining({ path: 'age' })]);
  });

  test('a predicate that throws refuses the value', () => {
    const v = space.intern('app/n', 1);
    v.setValidator((n) => {
      if (n === 13) throw new Error('unlucky');
      return true;
    });
    const error = validationError(() => v.reset(13));
    expect(error.message).toContain('unlucky');
    expect(v.deref()).toBe(1);
  });

  test('setValidator checks the current value first and refuses to install a failing one', () => {
    const v = space.intern<unknown>('app/n', 'text');
    const error = validationError(() => v.setValidator(z.number()));
    expect(error.code).toBe('VS_INVALID_VALUE');
    expect(v.getValidator()).toBeUndefined();
    v.reset('still text'); // not installed: writes are not checked
    expect(v.deref()).toBe('still text');
  });

  test('a validator can be installed on an unbound var, and checks the first value', () => {
    const v = space.intern<unknown>('app/n');
    v.setValidator(z.number());
    expect(() => v.reset('x')).toThrow(ValidationError);
    expect(v.bound).toBe(false);
    v.reset(1);
    expect(v.bound).toBe(true);
  });

  test('setValidator(null) removes it; getValidator returns the installed one', () => {
    const v = space.intern<unknown>('app/n', 1);
    const schema = z.number();
    v.setValidator(schema);
    expect(v.getValidator()).toBe(schema);
    v.setValidator(null);
    expect(v.getValidator()).toBeUndefined();
    v.reset('anything');
    expect(v.deref()).toBe('anything');
  });

  test('interning an existing var with a value runs its validator', () => {
    const v = space.intern<unknown>('app/n', 1);
    v.setValidator(z.number());
    expect(() => space.intern('app/n', 'x')).toThrow(ValidationError);
    expect(v.deref()).toBe(1);
    expect(v.version).toBe(1);
  });
});

describe('changes$', () => {
  test('reports { old, value, version } for each accepted write, and no origin for local ones', () => {
    const v = space.intern('app/n', 1);
    const changes: Change<number>[] = [];
    v.changes$.subscribe((change) => changes.push(change));
    v.reset(2);
    v.swap((n) => n * 10);
    expect(changes).toEqual([
      { old: 1, value: 2, version: 2 },
      { old: 2, value: 20, version: 3 },
    ]);
    expect('origin' in changes[0]).toBe(false);
  });

  test('starts with nothing (it is not a BehaviorSubject) and completes when the var is unmapped', () => {
    const v = space.intern('app/n', 1);
    const changes: unknown[] = [];
    let completed = false;
    v.changes$.subscribe({ next: (c) => changes.push(c), complete: () => (completed = true) });
    expect(changes).toEqual([]);
    space.unmap('app/n');
    expect(completed).toBe(true);
  });

  test('old is undefined for the first value of an unbound var', () => {
    const v = space.intern<number>('app/n');
    const changes: Change<number>[] = [];
    v.changes$.subscribe((change) => changes.push(change));
    v.reset(1);
    expect(changes).toEqual([{ old: undefined, value: 1, version: 1 }]);
  });
});

describe('watches', () => {
  test('are called with (key, var, old, new) after each accepted write', () => {
    const v = space.intern('app/n', 1);
    const calls: unknown[][] = [];
    v.addWatch('log', (key, target, old, value) => calls.push([key, target, old, value, target.deref()]));
    v.reset(2);
    v.swap((n) => n + 1);
    expect(calls).toEqual([
      ['log', v, 1, 2, 2],
      ['log', v, 2, 3, 3],
    ]);
  });

  test('the same key replaces; removeWatch removes and reports whether it was there', () => {
    const v = space.intern('app/n', 1);
    const calls: string[] = [];
    v.addWatch('k', () => calls.push('first'));
    expect(v.addWatch('k', () => calls.push('second'))).toBe(v);
    v.reset(2);
    expect(calls).toEqual(['second']);
    expect(v.removeWatch('k')).toBe(true);
    expect(v.removeWatch('k')).toBe(false);
    v.reset(3);
    expect(calls).toEqual(['second']);
  });

  test('a throwing watch does not undo the write nor stop the other watches, and is reported', () => {
    const v = space.intern('app/n', 1);
    const failure = new Error('watch failed');
    const calls: string[] = [];
    v.addWatch('a', () => calls.push('a'));
    v.addWatch('bad', () => {
      throw failure;
    });
    v.addWatch('c', () => calls.push('c'));
    const values = emitted(v);
    expect(v.reset(2)).toBe(2);
    expect(v.deref()).toBe(2);
    expect(v.version).toBe(2);
    expect(values).toEqual([2]);
    expect(calls).toEqual(['a', 'c']);
    expect(errors).toEqual([failure]);
  });
});

describe('subscribers', () => {
  test('a throwing subscriber is reported and does not stop the others nor undo the write', () => {
    const v = space.intern('app/n', 0);
    const failure = new Error('subscriber failed');
    const before: number[] = [];
    const after: number[] = [];
    v.subscribe((n) => before.push(n as number));
    v.subscribe((n) => {
      if (n === 1) throw failure;
    });
    v.subscribe({ next: (n) => after.push(n as number) });
    v.reset(1);
    v.reset(2);
    expect(before).toEqual([0, 1, 2]);
    expect(after).toEqual([0, 1, 2]);
    expect(v.deref()).toBe(2);
    expect(errors).toEqual([failure]);
  });

  test('an observer object that throws is reported too, including on the first value', () => {
    const v = space.intern('app/n', 0);
    const failure = new Error('observer failed');
    v.subscribe({
      next: () => {
        throw failure;
      },
    });
    expect(errors).toEqual([failure]);
    v.reset(1);
    expect(errors).toEqual([failure, failure]);
  });

  test('after unsubscribing, the var is no longer observed', () => {
    const v = space.intern('app/n', 0);
    const a = v.subscribe(() => {});
    const b = v.pipe(map((n) => n)).subscribe(() => {});
    const c = v.subscribe({ next: () => {} });
    expect(v.observed).toBe(true);
    a.unsubscribe();
    b.unsubscribe();
    c.unsubscribe();
    expect(v.observed).toBe(false);
  });
});

describe('meta', () => {
  test('starts empty and frozen; resetMeta and alterMeta replace it and announce meta-changed', () => {
    const v = space.intern('app/n', 1);
    const events: SpaceEvent[] = [];
    space.events$().subscribe((event) => events.push(event));
    const values = emitted(v);
    expect(v.meta).toEqual({});
    expect(Object.isFrozen(v.meta)).toBe(true);

    expect(v.resetMeta({ doc: 'a counter' })).toEqual({ doc: 'a counter' });
    expect(v.alterMeta((meta, unit: string) => ({ ...meta, unit }), 'clicks')).toEqual({ doc: 'a counter', unit: 'clicks' });
    expect(v.meta).toEqual({ doc: 'a counter', unit: 'clicks' });
    expect(Object.isFrozen(v.meta)).toBe(true);

    expect(events).toEqual([
      { type: 'meta-changed', fqn: 'app/n', ns: 'app', name: 'n', meta: { doc: 'a counter' } },
      { type: 'meta-changed', fqn: 'app/n', ns: 'app', name: 'n', meta: { doc: 'a counter', unit: 'clicks' } },
    ]);
    // Metadata is not a value: no emission, no version.
    expect(values).toEqual([]);
    expect(v.version).toBe(1);
  });

  test('the stored meta is a copy: changing the given object later changes nothing', () => {
    const v = space.intern('app/n', 1);
    const given: Record<string, unknown> = { a: 1 };
    v.resetMeta(given);
    given.a = 2;
    expect(v.meta).toEqual({ a: 1 });
  });
});

describe('read-only and unmapped vars', () => {
  test('a read-only var refuses app writes with ReadOnlyError (VS_READ_ONLY)', () => {
    const v = space.intern('app/derived', 1);
    v.readOnly = true;
    for (const write of [() => v.reset(2), () => v.next(2), () => v.swap((n) => n + 1), () => v.compareAndSet(1, 2)]) {
      expect(write).toThrow(ReadOnlyError);
    }
    const error = caught(() => v.reset(2)) as ReadOnlyError;
    expect(error.code).toBe('VS_READ_ONLY');
    expect(error.message).toContain('app/derived');
    expect(v.deref()).toBe(1);
    expect(v.version).toBe(1);
  });

  test('an unmapped var is completed and refuses writes with UnmappedError (VS_UNMAPPED)', () => {
    const v = space.intern('app/n', 1);
    let completed = false;
    v.subscribe({ complete: () => (completed = true) });
    space.unmap('app/n');
    expect(completed).toBe(true);
    expect(v.isUnmapped).toBe(true);
    const error = caught(() => v.reset(2)) as UnmappedError;
    expect(error).toBeInstanceOf(UnmappedError);
    expect(error.code).toBe('VS_UNMAPPED');
    expect(error.message).toContain('app/n');
    expect(v.deref()).toBe(1);
    expect(v.version).toBe(1);
    // Completing let go of its subscribers.
    expect(v.observed).toBe(false);
  });
});
