import type { Observable } from 'rxjs';
import { defaultSpace } from '../core/default-space.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import { locate } from './graph.js';

/**
 * Values of the var at an FQN, even before it exists: waits for it to be interned, emits only
 * bound values (current first), and follows the FQN when the var is unmapped and interned
 * again (a path, not a reference). Never completes; unsubscribing releases everything.
 *
 * Given a var instead of an FQN, follows that var's FQN in the var's own space, and the value
 * type is inferred from the var.
 *
 * @param target an FQN (`ns/name`), or a var.
 * @param space the space for an FQN (default: `defaultSpace()`).
 * @throws {NameError} (at call time) for a malformed FQN.
 * @example
 * ref$<number>('app/count', space).subscribe((n) => console.log('count', n));
 * ref$(countVar).pipe(map((n) => n * 2)); // Observable<number>
 */
export function ref$<T>(target: Var<T>, space?: Space): Observable<T>;
export function ref$<T = unknown>(fqn: string, space?: Space): Observable<T>;
export function ref$<T>(target: string | Var<T>, space?: Space): Observable<T> {
  if (typeof target === 'string') return (space ?? defaultSpace()).ref$<T>(target);
  const where = locate(target, space as Space, 'ref$');
  return (space ?? where.space).ref$<T>(where.fqn);
}
