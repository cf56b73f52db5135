import { tap, type MonoTypeOperatorFunction } from 'rxjs';
import { parseFqn } from '../core/names.js';

/** What {@link toChannel} needs of a link (a `Link` is one). */
export interface EventSink {
  publish(fqn: string, value: unknown): unknown;
}

/**
 * Publishes each value to the channel `fqn` through `link` (fire and forget: a refusal is reported
 * on the link's `errors$`) and passes it on unchanged.
 *
 * @param link the link to publish through.
 * @param fqn the channel.
 * @throws {NameError} (at call time) for a bad channel name; the stream errors with
 *   {@link ValidationError} on a value that is not JSON.
 * @example clicks$.pipe(map(({ x, y }) => ({ x, y })), toChannel(link, 'ui.events/click')).subscribe();
 */
export function toChannel<T>(link: EventSink, fqn: string): MonoTypeOperatorFunction<T> {
  parseFqn(fqn);
  return tap((value: T) => {
    link.publish(fqn, value);
  });
}
