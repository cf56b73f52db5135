import { concatMap, Observable, type OperatorFunction } from 'rxjs';

/** What `requestMap` needs of a link: its `request` (a `Link` is one). */
export interface Requester {
  request<Res>(fqn: string, payload?: unknown, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<Res>;
}

/**
 * Maps each value to the reply of a request to the service `fqn` with it as payload, one request
 * at a time, in order (`concatMap` semantics). A failed request errors the stream with its typed
 * error (`NoRespondersError`, `TimeoutError`, `RemoteError`, …); unsubscribing aborts the request
 * in flight (the server's handler sees its signal abort).
 *
 * @param link - the link to send requests through.
 * @param fqn - the service's FQN.
 * @param options - `timeoutMs` of each request (default 5 s).
 * @example
 * amounts$.pipe(requestMap<number, string>(link, 'fx/format')).subscribe(show);
 */
export function requestMap<T, Res>(link: Requester, fqn: string, options: { timeoutMs?: number } = {}): OperatorFunction<T, Res> {
  return concatMap(
    (value: T) =>
      new Observable<Res>((subscriber) => {
        const controller = new AbortController();
        let settled = false;
        link.request<Res>(fqn, value, { timeoutMs: options.timeoutMs, signal: controller.signal }).then(
          (reply) => {
            settled = true;
            subscriber.next(reply);
            subscriber.complete();
          },
          (error: unknown) => {
            settled = true;
            subscriber.error(error);
          },
        );
        return () => {
          if (!settled) controller.abort();
        };
      }),
  );
}
