import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { NameResolver, Tagged } from './tagged.js';

/**
 * Keeps only the tagged values written by one instance. When `names` is given and knows
 * `idOrLocalName`, the name is resolved through it on every value (so re-pointing a local name
 * takes effect at once); otherwise the argument is taken as an instance id.
 *
 * @param idOrLocalName an instance id, or a local name known to `names`.
 * @param names local names (a `LocalNames`), optional.
 * @throws {TypeError} (at call time) when `idOrLocalName` is not a non-empty string.
 * @example
 * link.remote$('app/state').pipe(fromInstance('prod', names)).subscribe(({ value }) => show(value));
 */
export function fromInstance<T>(idOrLocalName: string, names?: NameResolver): MonoTypeOperatorFunction<Tagged<T>> {
  if (typeof idOrLocalName !== 'string' || idOrLocalName === '')
    throw new TypeError('fromInstance: expected an instance id or a local name');
  if (!names) return filter((tagged) => tagged.from === idOrLocalName);
  return filter((tagged) => tagged.from === (names.get(idOrLocalName) ?? idOrLocalName));
}
