import { Subject } from 'rxjs';
import { LocalNames } from '../../src/identity/local-names.js';
import { fromInstance } from '../../src/rx/from-instance.js';
import type { Tagged } from '../../src/rx/tagged.js';

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';
const tag = (value: number, from: string): Tagged<number> => ({ value, fqn: 'app/x', from, stamp: String(value) });

describe('fromInstance', () => {
  test('keeps only values from one instance id', () => {
    const source = new Subject<Tagged<number>>();
    const out: number[] = [];
    const sub = source.pipe(fromInstance(A)).subscribe((t) => out.push(t.value));
    [tag(1, A), tag(2, B), tag(3, A)].forEach((t) => source.next(t));
    expect(out).toEqual([1, 3]);
    sub.unsubscribe();
    expect(source.observed).toBe(false);
  });

  test('resolves a local name through LocalNames, live', () => {
    const names = new LocalNames([['prod', A]]);
    const source = new Subject<Tagged<number>>();
    const out: number[] = [];
    source.pipe(fromInstance('prod', names)).subscribe((t) => out.push(t.value));
    source.next(tag(1, A));
    source.next(tag(2, B));
    names.set('prod', B);
    source.next(tag(3, A));
    source.next(tag(4, B));
    expect(out).toEqual([1, 4]);
  });

  test('an argument the names do not know is an instance id', () => {
    const source = new Subject<Tagged<number>>();
    const out: number[] = [];
    source.pipe(fromInstance(B, new LocalNames([['prod', A]]))).subscribe((t) => out.push(t.value));
    source.next(tag(1, A));
    source.next(tag(2, B));
    expect(out).toEqual([2]);
  });

  test('an empty id throws', () => {
    expect(() => fromInstance('')).toThrow(TypeError);
  });
});
