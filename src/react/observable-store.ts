import type { Observable } from 'rxjs';
import type { ExternalStore } from './var-store.js';

/**
 * An observable as an external store: `initial` until it emits, then its latest value. The value
 * is kept between subscriptions (React may subscribe, unsubscribe and subscribe again), and an
 * error of the source is thrown by `getSnapshot`, so it reaches the nearest error boundary.
 *
 * @param source any observable (a var, `status$`, a pipe); subscribed once per `subscribe`.
 * @param initial the value before the first emission.
 * @example
 * const store = observableStore(link.status$, link.status$.getValue());
 */
export function observableStore<T>(source: Observable<T>, initial: T): ExternalStore<T> {
  let value = initial;
  let failed: { error: unknown } | undefined;
  return {
    getSnapshot() {
      if (failed) throw failed.error;
      return value;
    },
    subscribe(onChange) {
      const subscription = source.subscribe({
        next(next) {
          value = next;
          onChange();
        },
        error(error: unknown) {
          failed = { error };
          onChange();
        },
      });
      return () => subscription.unsubscribe();
    },
  };
}
