import { EMPTY, distinctUntilChanged, switchMap, type Observable } from 'rxjs';
import { defaultSpace } from '../core/default-space.js';
import { NameError } from '../core/errors.js';
import { parseFqn } from '../core/names.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import { locate } from './graph.js';

/**
 * Indirection: the var at `pointer` holds the FQN of another var; emits the values of the var
 * it points to (like `ref$`: waiting for it to exist, bound values only) and switches when the
 * pointer changes. While the pointer is unbound, `null`, `undefined` or `''` it points at
 * nothing and nothing is emitted. A pointer holding an invalid FQN is reported on the space's
 * `errors$` as a `NameError` (`VS_BAD_NAME`) and emits nothing until it is valid again.
 * Re-setting the pointer to the same FQN changes nothing.
 *
 * @param pointer FQN of the pointer var (or the pointer var itself).
 * @param space the space of both (default: `defaultSpace()`).
 * @throws {NameError} (at call time) when `pointer` itself is not a valid FQN.
 * @example
 * space.intern('log/target', 'log.sinks/console');
 * follow$<string>('log/target', space).subscribe(...); // re-routes when log/target is reset
 */
export function follow$<T = unknown>(pointer: string | Var<any>, space?: Space): Observable<T> {
  const where = typeof pointer === 'string' ? { space: space ?? defaultSpace(), fqn: pointer } : locate(pointer, space as Space, 'follow$');
  const home = space ?? where.space;
  return home.ref$<unknown>(where.fqn).pipe(
    distinctUntilChanged(Object.is),
    switchMap((target): Observable<T> => {
      if (target === null || target === undefined || target === '') return EMPTY;
      try {
        parseFqn(target as string, { system: true });
      } catch (error) {
        home.report(
          new NameError(`follow$ ${where.fqn}: the pointer holds an invalid FQN: ${(error as Error).message}`, {
            pointer: where.fqn,
            target: typeof target === 'string' ? target : String(target),
          }),
        );
        return EMPTY;
      }
      return home.ref$<T>(target as string);
    }),
  );
}
