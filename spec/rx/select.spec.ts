import { Subject, from, of } from 'rxjs';
import { Space } from '../../src/core/space.js';
import { ref$ } from '../../src/rx/ref$.js';
import { select } from '../../src/rx/select.js';

interface State {
  user: { name: string; tags?: string[] } | null;
  count: number;
}

describe('select', () => {
  test('a path projects and skips repeats', () => {
    const space = new Space();
    const state = space.intern<State>('app/state', { user: { name: 'ann' }, count: 0 });
    const names: unknown[] = [];
    ref$(state)
      .pipe(select('user.name'))
      .subscribe((n) => names.push(n));
    state.swap((s) => ({ ...s, count: 1 }));
    state.swap((s) => ({ ...s, user: { name: 'bob' } }));
    state.swap((s) => ({ ...s, user: null }));
    expect(names).toEqual(['ann', 'bob', undefined]);
  });

  test('a function projects and skips repeats (Object.is, so NaN repeats are skipped)', () => {
    const out: number[] = [];
    of({ n: 1 }, { n: 1 }, { n: NaN }, { n: NaN }, { n: 2 })
      .pipe(select((s: { n: number }) => s.n))
      .subscribe((v) => out.push(v));
    expect(out).toEqual([1, NaN, 2]);
  });

  test('paths read own properties, array indexes and Map entries only', () => {
    const out: unknown[] = [];
    from<unknown[]>([
      { items: [{ id: 'a' }] },
      { items: new Map([['0', { id: 'm' }]]) },
      { items: [] },
      { items: { constructor: 1 } },
      {},
      { items: 'str' },
    ])
      .pipe(select('items.0.id'))
      .subscribe((v) => out.push(v));
    expect(out).toEqual(['a', 'm', undefined]);
    const proto: unknown[] = [];
    of({})
      .pipe(select('constructor'))
      .subscribe((v) => proto.push(v));
    expect(proto).toEqual([undefined]);
  });

  test('teardown releases the source', () => {
    const source = new Subject<State>();
    const sub = source.pipe(select('count')).subscribe();
    sub.unsubscribe();
    expect(source.observed).toBe(false);
  });

  test('neither a path nor a function throws', () => {
    expect(() => select('' as string)).toThrow(TypeError);
    expect(() => select(3 as any)).toThrow(TypeError);
  });
});
