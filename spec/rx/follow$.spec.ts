import { Space } from '../../src/core/space.js';
import { NameError } from '../../src/core/errors.js';
import { follow$ } from '../../src/rx/follow$.js';

describe('follow$', () => {
  test('emits the values of the var pointed at and switches when the pointer changes', () => {
    const space = new Space();
    const a = space.intern('log.sinks/a', 'a0');
    const b = space.intern('log.sinks/b', 'b0');
    const pointer = space.intern('log/target', 'log.sinks/a');
    const seen: unknown[] = [];
    follow$('log/target', space).subscribe((v) => seen.push(v));
    a.reset('a1');
    pointer.reset('log.sinks/b');
    a.reset('a2'); // no longer followed
    b.reset('b1');
    expect(seen).toEqual(['a0', 'a1', 'b0', 'b1']);
    expect(a.observed).toBe(false);
  });

  test('waits while the pointer is unbound, empty, or points at a var that does not exist yet', () => {
    const space = new Space();
    const seen: unknown[] = [];
    follow$('p/ptr', space).subscribe((v) => seen.push(v));
    const pointer = space.intern<string | null>('p/ptr');
    pointer.reset(null);
    pointer.reset('');
    pointer.reset('q/later');
    expect(seen).toEqual([]);
    space.intern('q/later', 1);
    expect(seen).toEqual([1]);
    pointer.reset(null);
    space.resolve<number>('q/later')!.reset(2);
    expect(seen).toEqual([1]);
  });

  test('re-setting the same pointer does not re-emit', () => {
    const space = new Space();
    space.intern('q/x', 1);
    const pointer = space.intern('p/ptr', 'q/x');
    const seen: unknown[] = [];
    follow$('p/ptr', space).subscribe((v) => seen.push(v));
    pointer.reset('q/x');
    expect(seen).toEqual([1]);
  });

  test('an invalid FQN in the pointer is reported on errors$ and emits nothing until valid again', () => {
    const space = new Space();
    const errors: unknown[] = [];
    space.errors$.subscribe((e) => errors.push(e));
    space.intern('q/x', 'x');
    const pointer = space.intern<unknown>('p/ptr', 'q/x');
    const seen: unknown[] = [];
    follow$(pointer, space).subscribe((v) => seen.push(v));
    pointer.reset('not an fqn');
    pointer.reset(42);
    space.resolve<string>('q/x')!.reset('ignored');
    expect(seen).toEqual(['x']);
    expect(errors).toHaveLength(2);
    expect(errors[0]).toBeInstanceOf(NameError);
    expect((errors[0] as NameError).message).toContain('follow$ p/ptr');
    pointer.reset('q/x');
    expect(seen).toEqual(['x', 'ignored']);
  });

  test('follows the pointer var across re-creation, and teardown releases everything', () => {
    const space = new Space();
    space.intern('q/x', 1);
    space.intern('q/y', 2);
    space.intern('p/ptr', 'q/x');
    const seen: unknown[] = [];
    const sub = follow$('p/ptr', space).subscribe((v) => seen.push(v));
    space.unmap('p/ptr');
    space.intern('p/ptr', 'q/y');
    expect(seen).toEqual([1, 2]);
    sub.unsubscribe();
    expect(space.stats().listeners).toBe(0);
    for (const fqn of ['q/x', 'q/y', 'p/ptr']) expect(space.resolve(fqn)!.observed).toBe(false);
  });

  test('a bad pointer FQN throws at call time', () => {
    expect(() => follow$('bad', new Space())).toThrow(NameError);
  });
});
