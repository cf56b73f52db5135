import type { Observable } from 'rxjs';
import type { Tagged } from '../rx/tagged.js';
import type { Link } from './link.js';

/**
 * Tagged updates (`{ value, fqn, from, stamp }`) of the hub's vars matching `pattern`, as a
 * stream to pipe: the known state first, then live updates; follows the pattern while subscribed.
 * (The operator form of `link.remote$`.)
 *
 * @param link the link to follow through.
 * @param pattern which vars (`ui.>`, `ui.buttons/*`, an FQN).
 * @throws {NameError} (at call time) for a bad pattern.
 * @example fromLink(link, 'sensors.>').pipe(notFrom(link.instanceId)).subscribe(console.log)
 */
export function fromLink<T = unknown>(link: Link, pattern: string): Observable<Tagged<T>> {
  return link.remote$<T>(pattern);
}
