/**
 * The contract the React hooks rely on, without React or a DOM: `varStore` and `observableStore`
 * are what `useSyncExternalStore` gets (subscribe / getSnapshot). The hooks themselves run in a
 * real React app in Chromium (spec/e2e/react.spec.ts).
 */
import { BehaviorSubject, Subject } from 'rxjs';
import { NameError, Space } from '../../src/index.js';
import { observableStore, varStore } from '../../src/react/index.js';

function counting(): { calls: number; onChange: () => void } {
  const counter = { calls: 0, onChange: () => void counter.calls++ };
  return counter;
}

describe('varStore', () => {
  test('undefined while no var is at the FQN; the var once interned (by a follow, a set, any code)', () => {
    const space = new Space();
    const store = varStore<number>(space, 'app/count');
    const changes = counting();
    const stop = store.subscribe(changes.onChange);
    expect(store.getSnapshot()).toBeUndefined();
    space.intern('app/count', 1);
    expect(store.getSnapshot()).toBe(1);
    expect(changes.calls).toBeGreaterThan(0);
    stop();
  });

  test('calls onChange for each write of its var, never for another var; the snapshot is the same reference until a write', () => {
    const space = new Space();
    const value = { items: [1, 2] };
    const target = space.intern('app/list', value);
    const other = space.intern('app/other', 0);
    const store = varStore(space, 'app/list');
    const changes = counting();
    const stop = store.subscribe(changes.onChange);
    expect(changes.calls).toBe(0); // subscribing replays nothing
    for (let i = 1; i <= 100; i++) other.reset(i);
    space.intern('app/third', 3);
    expect(changes.calls).toBe(0);
    expect(store.getSnapshot()).toBe(value);
    expect(store.getSnapshot()).toBe(store.getSnapshot());
    target.reset({ items: [3] });
    expect(changes.calls).toBe(1);
    expect(store.getSnapshot()).toEqual({ items: [3] });
    stop();
  });

  test('follows the path: unmap gives undefined, the next var at the FQN is followed', () => {
    const space = new Space();
    space.intern('app/x', 1);
    const store = varStore<number>(space, 'app/x');
    const changes = counting();
    const stop = store.subscribe(changes.onChange);
    space.unmap('app/x');
    expect(store.getSnapshot()).toBeUndefined();
    const calls = changes.calls;
    expect(calls).toBeGreaterThan(0);
    const again = space.intern('app/x', 2);
    expect(store.getSnapshot()).toBe(2);
    again.reset(3);
    expect(store.getSnapshot()).toBe(3);
    expect(changes.calls).toBeGreaterThan(calls + 1);
    stop();
  });

  test('a transaction writing the var five times calls onChange once, with the final value', () => {
    const space = new Space();
    const target = space.intern('app/n', 0);
    const store = varStore<number>(space, 'app/n');
    const changes = counting();
    const stop = store.subscribe(changes.onChange);
    space.transact(() => {
      for (let i = 1; i <= 5; i++) target.reset(i);
    });
    expect(changes.calls).toBe(1);
    expect(store.getSnapshot()).toBe(5);
    stop();
  });

  test('unsubscribing leaves nothing subscribed; calls stop', () => {
    const space = new Space();
    const target = space.intern('app/n', 0);
    const store = varStore<number>(space, 'app/n');
    const changes = counting();
    const stop = store.subscribe(changes.onChange);
    expect(target.observed).toBe(true);
    stop();
    expect(target.observed).toBe(false);
    target.reset(1);
    space.unmap('app/n');
    space.intern('app/n', 2);
    expect(changes.calls).toBe(0);
  });

  test('a malformed FQN throws NameError from getSnapshot (at render)', () => {
    expect(() => varStore(new Space(), 'bad name').getSnapshot()).toThrow(NameError);
  });
});

describe('observableStore', () => {
  test('initial until the source emits, then its latest value; kept across subscriptions', () => {
    const source = new Subject<number>();
    const store = observableStore(source, -1);
    expect(store.getSnapshot()).toBe(-1);
    const changes = counting();
    let stop = store.subscribe(changes.onChange);
    source.next(1);
    source.next(2);
    expect(store.getSnapshot()).toBe(2);
    expect(changes.calls).toBe(2);
    stop();
    expect(source.observed).toBe(false);
    expect(store.getSnapshot()).toBe(2);
    stop = store.subscribe(changes.onChange);
    source.next(3);
    expect(store.getSnapshot()).toBe(3);
    stop();
  });

  test('a source that replays (a BehaviorSubject) gives its value on subscribe', () => {
    const status$ = new BehaviorSubject('open');
    const store = observableStore(status$, status$.getValue());
    const stop = store.subscribe(() => undefined);
    status$.next('reconnecting');
    expect(store.getSnapshot()).toBe('reconnecting');
    stop();
  });

  test("the source's error is thrown by getSnapshot (for React's error boundary)", () => {
    const source = new Subject<number>();
    const store = observableStore(source, 0);
    const changes = counting();
    store.subscribe(changes.onChange);
    source.error(new Error('broken'));
    expect(changes.calls).toBe(1);
    expect(() => store.getSnapshot()).toThrow('broken');
  });
});
