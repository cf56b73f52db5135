import type { Observable } from 'rxjs';
import type { Tagged } from './tagged.js';

/** What {@link fromEvents} needs of a link (a `Link` is one). */
export interface EventSource {
  events$<T>(pattern: string, options?: { self?: boolean }): Observable<Tagged<T> & { readonly seq: number }>;
}

/**
 * The events published to the channels matching `pattern` (by any instance; its own too with
 * `self`), tagged, as an observable: `link.events$` as a creation function, to start a flow.
 *
 * @param link the link to subscribe through.
 * @param pattern a channel pattern (`logs.>`, `ui.events/*`).
 * @throws {NameError} (at call time) for a bad pattern.
 * @example fromEvents<string>(link, 'logs.>').pipe(filter((e) => e.fqn.endsWith('/error'))).subscribe(show);
 */
export function fromEvents<T = unknown>(
  link: EventSource,
  pattern: string,
  options: { self?: boolean } = {},
): Observable<Tagged<T> & { readonly seq: number }> {
  return link.events$<T>(pattern, options);
}
