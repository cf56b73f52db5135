import { useMemo, useSyncExternalStore } from 'react';
import type { Observable } from 'rxjs';
import { observableStore } from './observable-store.js';

/**
 * The latest value of an observable, `initial` until it emits; the component renders again on
 * each emission (read with `useSyncExternalStore`). It subscribes while the component is mounted,
 * and again when `source` is another object: make it once (`useMemo`), not on every render. An
 * error of the source is thrown at render, for the nearest error boundary.
 *
 * @param source an observable (a var, `combineVars(…)`, `link.remote$(…)`, any pipe).
 * @param initial the value before the first emission.
 * @example
 * const total$ = useMemo(() => combineVars({ price: 'cart/price', qty: 'cart/qty' }, space).pipe(map(({ price, qty }) => price * qty)), [space]);
 * const total = useObservable(total$, 0);
 */
export function useObservable<T>(source: Observable<T>, initial: T): T {
  // `initial` counts only for a new source: a later one is not a change.
  const store = useMemo(() => observableStore(source, initial), [source]);
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}
