import { useCallback, useMemo, useSyncExternalStore } from 'react';
import { varStore } from './var-store.js';
import { useVarspace } from './varspace-context.js';

/** What `set` of {@link useVar} takes: a value, or a function of the current value (as React's `setState`). */
export type VarUpdate<T> = T | ((current: T | undefined) => T);

/**
 * The value of the var at `fqn` and a function that writes it, as `useState` does; the component
 * renders again when that var changes, and never for another var. The value is read with
 * `useSyncExternalStore` (no tearing in concurrent rendering): `undefined` while there is no var
 * at `fqn` (a follow creates it when the hub's state arrives) or it is unbound. `set` interns the
 * var if needed and writes it (`reset`, or `swap` given a function; to store a function in a local
 * var, use `var.reset`); the link shares the write if it shares or syncs the FQN. `set` is the
 * same function on every render.
 *
 * @param fqn the var's FQN (in the provider's space, else `defaultSpace()`).
 * @returns `[value, set]`.
 * @throws {NameError} for a malformed FQN (at render); `set` throws {@link ValidationError} for a
 *   value the var refuses (its validator, or not JSON for a shared var), and the var keeps its value.
 * @example
 * function Counter() {
 *   const [count = 0, setCount] = useVar<number>('app.counters/clicks');
 *   return <button onClick={() => setCount((n = 0) => n + 1)}>{count}</button>;
 * }
 */
export function useVar<T = unknown>(fqn: string): [T | undefined, (next: VarUpdate<T>) => void] {
  const { space } = useVarspace();
  const store = useMemo(() => varStore<T>(space, fqn), [space, fqn]);
  const value = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
  const set = useCallback(
    (next: VarUpdate<T>) => {
      const target = space.intern<T>(fqn);
      if (typeof next === 'function') target.swap(next as (current: T | undefined) => T);
      else target.reset(next);
    },
    [space, fqn],
  );
  return [value, set];
}
