import { Observable } from 'rxjs';
import { defaultSpace } from '../core/default-space.js';
import { NameError } from '../core/errors.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';
import { Node, locate } from './graph.js';

/** What `combineVars` takes: for each key of the result, a var or the FQN of one. */
export type CombineSpec<T extends Record<string, unknown>> = { readonly [K in keyof T]: string | Var<T[K]> };

/**
 * The latest values of several vars as one object, emitted once all of them are bound, then
 * once per change — once per transaction or batch however many of them it wrote, and after
 * the derived vars among them are up to date (no glitches). Each emission is a new object.
 *
 * FQNs are followed by path, like `ref$`: a var that does not exist yet is waited for, and one
 * that is unmapped and interned again is followed (its last value is kept meanwhile). A var
 * stands for its FQN in its own space. Unsubscribing releases every subscription.
 *
 * @param spec an object whose values are vars or FQNs; its keys are the keys of the result.
 * @param space the space for FQNs (default: `defaultSpace()`).
 * @throws {NameError} (at call time) for a bad FQN, a value that is neither FQN nor var, or a `__proto__` key.
 * @example
 * combineVars({ user: 'app/user', theme: 'ui/theme' }, space)
 *   .subscribe(({ user, theme }) => render(user, theme));
 */
export function combineVars<T extends Record<string, unknown>>(spec: CombineSpec<T>, space: Space = defaultSpace()): Observable<T> {
  if (spec === null || typeof spec !== 'object') throw new NameError('combineVars: spec must be an object of FQNs or vars');
  const keys = Object.keys(spec);
  if (keys.includes('__proto__')) throw new NameError('combineVars: "__proto__" cannot be a key of the result');
  const refs = keys.map((key) => locate((spec as Record<string, unknown>)[key], space, `combineVars: "${key}"`));
  const count = keys.length;
  const template: Record<string, unknown> = {};
  for (const key of keys) template[key] = undefined;
  return new Observable<T>((subscriber) => {
    if (count === 0) {
      subscriber.next({} as T); // every one of no vars is bound
      return undefined;
    }
    // The latest values, updated in place (only the keys whose source changed), and copied
    // for each emission: a copy keeps one hidden class, and the keyed stores stay few.
    const current: Record<string, unknown> = { ...template };
    const node = new Node(space.batch, refs, (self) => {
      const sources = self.sources;
      for (let i = 0; i < count; i++) {
        const source = sources[i];
        if (source.dirty) {
          source.dirty = false;
          current[keys[i]] = source.value;
        }
      }
      subscriber.next({ ...current } as T);
    });
    node.start();
    return () => node.stop();
  });
}
