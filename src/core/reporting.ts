import { Observable, Subscriber, type Observer, type Subscription, type TeardownLogic } from 'rxjs';

/** What `subscribe` accepts, minus RxJS's deprecated three-callback form. */
export type SubscribeArgument<T> = Partial<Observer<T>> | ((value: T) => void) | null | undefined;

/**
 * Wraps the callbacks given to `subscribe` so that what they throw goes to `report` instead of
 * to RxJS, which would rethrow it on a timer (an uncaught exception in Node) and never tell the
 * space. A `Subscriber` (an operator's) is passed through: its own chain handles its errors.
 * @internal
 */
export function reportingObserver<T>(
  observerOrNext: SubscribeArgument<T>,
  report: (error: unknown) => void,
): Partial<Observer<T>> | undefined {
  if (observerOrNext == null || observerOrNext instanceof Subscriber) return observerOrNext ?? undefined;
  if (typeof observerOrNext === 'function') {
    return { next: reported(observerOrNext, report) };
  }
  const observer = observerOrNext;
  return {
    next: observer.next && reported(observer.next.bind(observer), report),
    error: observer.error && reported(observer.error.bind(observer), report),
    complete: observer.complete && reported<void>(observer.complete.bind(observer), report),
  };
}

/** `callback`, with what it throws sent to `report` (one argument: no rest array per emission). */
function reported<V>(callback: (value: V) => void, report: (error: unknown) => void): (value: V) => void {
  return (value) => {
    try {
      callback(value);
    } catch (error) {
      report(error);
    }
  };
}

/**
 * An Observable whose subscribers' callbacks report what they throw (see {@link reportingObserver}):
 * the space's streams (`events$`, `vars$`, `ref$`) behave like vars do. @internal
 */
export class ReportingObservable<T> extends Observable<T> {
  constructor(
    subscribe: (this: Observable<T>, subscriber: Subscriber<T>) => TeardownLogic,
    private readonly report: (error: unknown) => void,
  ) {
    super(subscribe);
  }

  override subscribe(observerOrNext?: SubscribeArgument<T>): Subscription {
    return super.subscribe(reportingObserver(observerOrNext, this.report));
  }
}
