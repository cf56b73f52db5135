import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { defaultSpace } from '../core/default-space.js';
import { parseFqn } from '../core/names.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import { locate } from './graph.js';

/**
 * Writes each value of the source into a var (an app write: validator and read-only guard
 * apply) and passes it through. An FQN is interned if missing; a var stands for its FQN in its
 * own space, so after an `unmap` the next value interns a new var. The source completing or
 * erroring does not complete the var.
 *
 * A value the var refuses errors the stream with that error — `ValidationError`
 * (`VS_INVALID_VALUE`), or `ReadOnlyError` (`VS_READ_ONLY`) for a derived var — and leaves
 * the var unchanged.
 *
 * @param target a var, or an FQN (interned in `space` on the first value if missing).
 * @param space the space for an FQN (default: `defaultSpace()`).
 * @throws {NameError} or {@link ReservedNameError} (at call time) for a bad or `$…` FQN.
 * @example
 * fromEvent(button, 'click').pipe(scan((n) => n + 1, 0), intoVar('ui.buttons/clicks')).subscribe();
 */
export function intoVar<T>(target: Var<T>): MonoTypeOperatorFunction<T>;
export function intoVar<T = unknown>(fqn: string, space?: Space): MonoTypeOperatorFunction<T>;
export function intoVar<T>(target: string | Var<T>, space?: Space): MonoTypeOperatorFunction<T> {
  const where = typeof target === 'string' ? { space: space ?? defaultSpace(), fqn: target } : locate(target, space as Space, 'intoVar');
  parseFqn(where.fqn);
  const into = where.space;
  const fqn = where.fqn;
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next(value) {
          try {
            into.intern<T>(fqn, value);
          } catch (error) {
            subscriber.error(error);
            return;
          }
          subscriber.next(value);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
