import { filter, type MonoTypeOperatorFunction } from 'rxjs';
import type { NameResolver, Tagged } from './tagged.js';

/**
 * Drops the tagged values written by one instance — typically this process's own id, to
 * ignore the echo of its own writes. When `names` is given and knows `idOrLocalName`, the name
 * is resolved through it on every value; otherwise the argument is taken as an instance id.
 *
 * @param idOrLocalName an instance id, or a local name known to `names`.
 * @param names local names (a `LocalNames`), optional.
 * @throws {TypeError} (at call time) when `idOrLocalName` is not a non-empty string.
 * @example
 * link.remote$('app/state').pipe(notFrom(link.instanceId)).subscribe(apply);
 */
export function notFrom<T>(idOrLocalName: string, names?: NameResolver): MonoTypeOperatorFunction<Tagged<T>> {
  if (typeof idOrLocalName !== 'string' || idOrLocalName === '') throw new TypeError('notFrom: expected an instance id or a local name');
  if (!names) return filter((tagged) => tagged.from !== idOrLocalName);
  return filter((tagged) => tagged.from !== (names.get(idOrLocalName) ?? idOrLocalName));
}
