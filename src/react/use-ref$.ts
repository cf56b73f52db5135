import { useMemo, useSyncExternalStore } from 'react';
import { observableStore } from './observable-store.js';
import { useVarspace } from './varspace-context.js';

/**
 * The bound values of the var at `fqn`, read-only, as `ref$` gives them: `undefined` until the var
 * exists and holds a value (a follow's snapshot, another component's first write), then its
 * latest value; when the var is unmapped it keeps the last one until a new var at that FQN is
 * bound (a path, not a reference). It creates nothing. Use it for vars that are unknown or
 * unbound at first; {@link useVar} to write.
 *
 * @param fqn the var's FQN (in the provider's space, else `defaultSpace()`).
 * @returns the latest bound value, or `undefined`.
 * @throws {NameError} for a malformed FQN (at render).
 * @example
 * function Leader() {
 *   const leader = useRef$<string>('cluster/leader');
 *   return <p>{leader === undefined ? 'electing…' : `leader: ${leader}`}</p>;
 * }
 */
export function useRef$<T = unknown>(fqn: string): T | undefined {
  const { space } = useVarspace();
  const store = useMemo(() => {
    // A var bound now is shown at the first render (ref$ would give it only once subscribed).
    const known = space.resolve<T>(fqn);
    return observableStore<T | undefined>(space.ref$<T>(fqn), known?.bound ? known.getValue() : undefined);
  }, [space, fqn]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
