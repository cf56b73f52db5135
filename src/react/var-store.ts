import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';

/** A `useSyncExternalStore` source: `subscribe` registers a change callback and returns its remover. */
export interface ExternalStore<T> {
  /** Calls `onChange` after each change (React then reads {@link getSnapshot}); returns the unsubscriber. */
  readonly subscribe: (onChange: () => void) => () => void;
  /** The current value; the same reference until it changes (React compares with `Object.is`). */
  readonly getSnapshot: () => T;
}

/**
 * The value at an FQN in `space` as an external store, by path: `undefined` while no var is there
 * (or it is unbound), the var's value once it is interned (by a `set`, a follow, any code), and
 * `undefined` again after `unmap`, following the next incarnation. Only this var's writes (and the
 * interning or unmapping of this FQN) call `onChange`: an update to another var calls nothing.
 *
 * @param space the space the var lives in.
 * @param fqn the var's FQN.
 * @throws {NameError} (from `getSnapshot`) for a malformed FQN.
 * @example
 * const store = varStore<number>(space, 'app/count');
 * const stop = store.subscribe(() => console.log(store.getSnapshot()));
 */
export function varStore<T>(space: Space, fqn: string): ExternalStore<T | undefined> {
  return {
    getSnapshot: () => space.resolve<T>(fqn)?.getValue(),
    subscribe(onChange) {
      let watched: { unsubscribe(): void } | undefined;
      const watch = (target: Var<T> | undefined) => {
        watched?.unsubscribe();
        if (target === undefined) return (watched = undefined);
        // A BehaviorSubject replays its value on subscribe: that is no change.
        let replaying = true;
        watched = target.subscribe(() => replaying || onChange());
        replaying = false;
      };
      watch(space.resolve<T>(fqn));
      const incarnations = space.events$(fqn).subscribe((event) => {
        if (event.type !== 'var-interned' && event.type !== 'var-unmapped') return;
        watch(space.resolve<T>(fqn));
        onChange();
      });
      return () => {
        incarnations.unsubscribe();
        watched?.unsubscribe();
      };
    },
  };
}
