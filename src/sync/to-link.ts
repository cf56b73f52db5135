import { Observable, type MonoTypeOperatorFunction } from 'rxjs';
import { parseFqn } from '../core/names.js';
import type { Link } from './link.js';

/**
 * Writes each value of the source to `fqn` through the link (`link.set`) and passes it on.
 * A write the hub refuses errors the stream with the hub's typed error.
 *
 * @param link the link to write through.
 * @param fqn the var to write.
 * @throws {NameError} (at call time) for a bad FQN.
 * @example
 * fromEvent(button, 'click').pipe(map(() => Date.now()), toLink(link, 'ui.buttons/last-click')).subscribe();
 */
export function toLink<T>(link: Link, fqn: string): MonoTypeOperatorFunction<T> {
  parseFqn(fqn);
  return (source) =>
    new Observable<T>((subscriber) =>
      source.subscribe({
        next: (value) => {
          link.set(fqn, value).catch((error: unknown) => subscriber.error(error));
          subscriber.next(value);
        },
        error: (error) => subscriber.error(error),
        complete: () => subscriber.complete(),
      }),
    );
}
