// What `src/core/var.ts` relies on in RxJS beyond its documented API, pinned so that an RxJS
// upgrade that changes it fails here, by name, rather than as a subtle misbehaviour of vars.
import { BehaviorSubject, ObjectUnsubscribedError } from 'rxjs';
import { Space } from '../../src/index.js';

/** The private field `Var.store` and `Var.restore` write: RxJS has no way to set a value without emitting it. */
type WithValue<T> = { _value: T };

describe('BehaviorSubject keeps its value in the private field `_value` (Var.store, Var.restore)', () => {
  it('getValue() and value return what `_value` holds', () => {
    const subject = new BehaviorSubject(1);
    expect((subject as unknown as WithValue<number>)._value).toBe(1);
    (subject as unknown as WithValue<number>)._value = 2;
    expect(subject.getValue()).toBe(2);
    expect(subject.value).toBe(2);
  });

  it('setting `_value` emits nothing, and a new subscriber receives it', () => {
    const subject = new BehaviorSubject(1);
    const seen: number[] = [];
    subject.subscribe((v) => seen.push(v));
    (subject as unknown as WithValue<number>)._value = 2;
    expect(seen).toEqual([1]);
    const late: number[] = [];
    subject.subscribe((v) => late.push(v));
    expect(late).toEqual([2]);
  });

  it('next() stores into `_value` too', () => {
    const subject = new BehaviorSubject(1);
    subject.next(3);
    expect((subject as unknown as WithValue<number>)._value).toBe(3);
  });

  it('a var written in a transaction shows the value before its subscribers see it', () => {
    const space = new Space();
    const v = space.intern('rx.internals/v', 0);
    const seen: number[] = [];
    v.subscribe((n) => seen.push(n));
    space.transact(() => {
      v.reset(1);
      expect(v.getValue()).toBe(1);
      expect(seen).toEqual([0]);
    });
    expect(seen).toEqual([0, 1]);
  });
});

describe('Subject.observed (Var.emit skips next on a var nobody subscribes to)', () => {
  it('is false with no subscriber, true with one, false again after it unsubscribes', () => {
    const subject = new BehaviorSubject(0);
    expect(subject.observed).toBe(false);
    const subscription = subject.subscribe(() => undefined);
    expect(subject.observed).toBe(true);
    subscription.unsubscribe();
    expect(subject.observed).toBe(false);
  });

  it('is false on a closed subject, whose getValue() throws before the skip could hide it', () => {
    const subject = new BehaviorSubject(0);
    subject.subscribe(() => undefined);
    subject.unsubscribe();
    expect(subject.observed).toBe(false);
    expect(() => subject.getValue()).toThrow(ObjectUnsubscribedError);
  });

  it('a var that nobody subscribes to still takes writes, and a later subscriber gets the last one', () => {
    const space = new Space();
    const v = space.intern('rx.internals/unobserved', 0);
    v.reset(1);
    v.reset(2);
    const seen: number[] = [];
    v.subscribe((n) => seen.push(n));
    v.reset(3);
    expect(seen).toEqual([2, 3]);
  });

  it('writing into a closed var throws, as BehaviorSubject.next would', () => {
    const space = new Space();
    const v = space.intern('rx.internals/closed', 0);
    v.unsubscribe();
    expect(() => v.reset(1)).toThrow(ObjectUnsubscribedError);
  });
});
