import { Subject, of, throwError, concat } from 'rxjs';
import { z } from 'zod';
import { Space } from '../../src/core/space.js';
import { NameError, ReadOnlyError, ReservedNameError, ValidationError } from '../../src/core/errors.js';
import { derive } from '../../src/rx/derive.js';
import { intoVar } from '../../src/rx/into-var.js';

describe('intoVar', () => {
  test('writes each value into an FQN (interning it) and passes it through', () => {
    const space = new Space();
    const out: number[] = [];
    let completed = false;
    of(1, 2, 3)
      .pipe(intoVar<number>('a/x', space))
      .subscribe({ next: (v) => out.push(v), complete: () => (completed = true) });
    const x = space.resolve<number>('a/x')!;
    expect(out).toEqual([1, 2, 3]);
    expect(completed).toBe(true);
    expect(x.deref()).toBe(3);
    expect(x.version).toBe(3);
    expect(x.isUnmapped).toBe(false);
    x.reset(4); // still writable
    expect(x.deref()).toBe(4);
  });

  test('into a var: completion and errors of the source do not end the var', () => {
    const space = new Space();
    const x = space.intern('a/x', 0);
    let error: unknown;
    concat(
      of(1),
      throwError(() => new Error('source broke')),
    )
      .pipe(intoVar(x))
      .subscribe({ error: (e) => (error = e) });
    expect((error as Error).message).toBe('source broke');
    expect(x.deref()).toBe(1);
    x.reset(2);
    expect(x.deref()).toBe(2);
  });

  test('a value the validator refuses errors the stream with ValidationError; the var is unchanged', () => {
    const space = new Space();
    const x = space.intern('a/x', 1);
    x.setValidator(z.number().int());
    const source = new Subject<number>();
    const out: number[] = [];
    let error: unknown;
    source.pipe(intoVar(x)).subscribe({ next: (v) => out.push(v), error: (e) => (error = e) });
    source.next(2);
    source.next(2.5);
    source.next(3);
    expect(error).toBeInstanceOf(ValidationError);
    expect(out).toEqual([2]);
    expect(x.deref()).toBe(2);
    expect(source.observed).toBe(false);
  });

  test('a derived target errors the stream with ReadOnlyError', () => {
    const space = new Space();
    space.intern('a/x', 1);
    derive('a/d', ['a/x'], (v: number) => v, space);
    let error: unknown;
    of(5)
      .pipe(intoVar('a/d', space))
      .subscribe({ error: (e) => (error = e) });
    expect(error).toBeInstanceOf(ReadOnlyError);
    expect(space.resolve('a/d')!.deref()).toBe(1);
  });

  test('after unmap, the next value interns a new var at the FQN', () => {
    const space = new Space();
    const x = space.intern('a/x', 0);
    const source = new Subject<number>();
    source.pipe(intoVar(x)).subscribe();
    source.next(1);
    space.unmap('a/x');
    source.next(2);
    const again = space.resolve<number>('a/x')!;
    expect(again).not.toBe(x);
    expect(again.deref()).toBe(2);
  });

  test('unsubscribing releases the source', () => {
    const source = new Subject<number>();
    const sub = source.pipe(intoVar('a/x', new Space())).subscribe();
    expect(source.observed).toBe(true);
    sub.unsubscribe();
    expect(source.observed).toBe(false);
  });

  test('bad or system FQNs throw at call time', () => {
    expect(() => intoVar('nope', new Space())).toThrow(NameError);
    expect(() => intoVar('$sys/x', new Space())).toThrow(ReservedNameError);
  });
});
