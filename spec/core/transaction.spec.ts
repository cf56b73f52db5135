import { Space, ValidationError, type Change, type Var } from '../../src/index.js';

let space: Space;
let a: Var<number>;
let b: Var<number>;

beforeEach(() => {
  space = new Space();
  a = space.intern('app/a', 1);
  b = space.intern('app/b', 10);
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

function changesOf<T>(target: Var<T>): Change<T>[] {
  const changes: Change<T>[] = [];
  target.changes$.subscribe((change) => changes.push(change));
  return changes;
}

describe('space.transact', () => {
  test('holds emissions until the end, then each written var emits its final value once', () => {
    const aValues = emitted(a);
    const bValues = emitted(b);
    const seenInside: number[][] = [];
    const result = space.transact(() => {
      a.reset(2);
      a.reset(3);
      b.swap((n) => n + 1);
      seenInside.push([...aValues], [...bValues]);
      // Reads inside see the writes.
      expect(a.deref()).toBe(3);
      return 'done';
    });
    expect(result).toBe('done');
    expect(seenInside).toEqual([[], []]);
    expect(aValues).toEqual([3]);
    expect(bValues).toEqual([11]);
  });

  test('changes$ and watches see old = the value before the transaction, once', () => {
    const changes = changesOf(a);
    const watched: unknown[][] = [];
    a.addWatch('w', (_key, _var, old, value) => watched.push([old, value]));
    space.transact(() => {
      a.reset(2);
      a.reset(3);
    });
    expect(changes).toEqual([{ old: 1, value: 3, version: 3 }]);
    expect(watched).toEqual([[1, 3]]);
  });

  test('a var not written emits nothing', () => {
    const bValues = emitted(b);
    space.transact(() => a.reset(5));
    expect(bValues).toEqual([]);
  });

  test('a throw rolls every write back, emits nothing and rethrows', () => {
    const aValues = emitted(a);
    const changes = changesOf(b);
    const failure = new Error('abort');
    expect(() =>
      space.transact(() => {
        a.reset(2);
        b.reset(20);
        b.reset(30);
        throw failure;
      }),
    ).toThrow(failure);
    expect([a.deref(), a.version]).toEqual([1, 1]);
    expect([b.deref(), b.version]).toEqual([10, 1]);
    expect(aValues).toEqual([]);
    expect(changes).toEqual([]);
  });

  test('a refused write inside aborts the whole transaction when not caught', () => {
    b.setValidator((n) => n >= 0);
    expect(() =>
      space.transact(() => {
        a.reset(2);
        b.reset(-1);
      }),
    ).toThrow(ValidationError);
    expect(a.deref()).toBe(1);
    expect(b.deref()).toBe(10);
  });

  test('a refused write that is caught inside leaves the other writes to commit', () => {
    b.setValidator((n) => n >= 0);
    const bValues = emitted(b);
    space.transact(() => {
      a.reset(2);
      try {
        b.reset(-1);
      } catch {
        // refused; go on
      }
    });
    expect(a.deref()).toBe(2);
    expect(b.deref()).toBe(10);
    expect(bValues).toEqual([]);
  });

  test('a rollback puts an unbound var back to unbound', () => {
    const later = space.intern<number>('app/later');
    expect(() =>
      space.transact(() => {
        later.reset(1);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(later.bound).toBe(false);
    expect(later.deref()).toBeUndefined();
    expect(later.version).toBe(0);
  });

  test('a var interned with a value inside is rolled back to unbound (it stays interned)', () => {
    expect(() =>
      space.transact(() => {
        space.intern('app/fresh', 1);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    const fresh = space.resolve('app/fresh')!;
    expect(fresh.bound).toBe(false);
    expect(fresh.deref()).toBeUndefined();
    expect(fresh.version).toBe(0);
  });

  test('a var interned with a value inside and committed reports its first change', () => {
    const changes: Change<unknown>[] = [];
    space.events$('app/fresh').subscribe((event) => {
      if (event.type === 'var-interned') space.resolve('app/fresh')!.changes$.subscribe((c) => changes.push(c));
    });
    space.transact(() => {
      space.intern('app/fresh', 1);
    });
    expect(space.resolve('app/fresh')!.deref()).toBe(1);
    expect(changes).toEqual([{ old: undefined, value: 1, version: 1 }]);
  });

  test('a nested transact joins the outer one: nothing is emitted before the outer end', () => {
    const aValues = emitted(a);
    const bValues = emitted(b);
    space.transact(() => {
      a.reset(2);
      const inner = space.transact(() => {
        b.reset(20);
        return 'inner';
      });
      expect(inner).toBe('inner');
      expect(bValues).toEqual([]);
      a.reset(3);
    });
    expect(aValues).toEqual([3]);
    expect(bValues).toEqual([20]);
  });

  test('an outer throw rolls back the writes of a nested transact too', () => {
    expect(() =>
      space.transact(() => {
        space.transact(() => b.reset(20));
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(b.deref()).toBe(10);
    expect(b.version).toBe(1);
  });

  test('a var unmapped inside does not emit at the end', () => {
    let completed = false;
    const aValues: number[] = [];
    a.subscribe({ next: (n) => aValues.push(n), complete: () => (completed = true) });
    space.transact(() => {
      a.reset(2);
      space.unmap('app/a');
    });
    expect(completed).toBe(true);
    expect(aValues).toEqual([1]);
  });

  test('writes made by subscribers during the commit apply at once, outside the transaction', () => {
    b.subscribe((n) => {
      if (n === 20) a.reset(100);
    });
    const aValues = emitted(a);
    space.transact(() => b.reset(20));
    expect(aValues).toEqual([100]);
    expect(a.deref()).toBe(100);
  });

  test('after a transaction, writes emit at once again', () => {
    space.transact(() => a.reset(2));
    const aValues = emitted(a);
    a.reset(3);
    expect(aValues).toEqual([3]);
    expect(() =>
      space.transact(() => {
        throw new Error('x');
      }),
    ).toThrow('x');
    a.reset(4);
    expect(aValues).toEqual([3, 4]);
  });
});
