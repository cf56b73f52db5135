import { Subject, map } from 'rxjs';
// Internal: the guard that the space's streams and vars put around subscriber callbacks.
import { ReportingObservable, reportingObserver } from '../../src/core/reporting.js';

describe('ReportingObservable', () => {
  let errors: unknown[];
  let source: Subject<number>;
  let guarded: ReportingObservable<number>;

  beforeEach(() => {
    errors = [];
    source = new Subject<number>();
    guarded = new ReportingObservable<number>(
      (subscriber) => source.subscribe(subscriber),
      (error) => errors.push(error),
    );
  });

  test('a throwing next callback is reported and later values still arrive', () => {
    const seen: number[] = [];
    const failure = new Error('next failed');
    guarded.subscribe((n) => {
      if (n === 1) throw failure;
      seen.push(n);
    });
    source.next(1);
    source.next(2);
    expect(seen).toEqual([2]);
    expect(errors).toEqual([failure]);
  });

  test('throwing error and complete callbacks are reported too', () => {
    const [onError, onComplete] = [new Error('error callback'), new Error('complete callback')];
    const other = new Subject<number>();
    new ReportingObservable<number>(
      (s) => source.subscribe(s),
      (e) => errors.push(e),
    ).subscribe({
      error: () => {
        throw onError;
      },
    });
    new ReportingObservable<number>(
      (s) => other.subscribe(s),
      (e) => errors.push(e),
    ).subscribe({
      complete: () => {
        throw onComplete;
      },
    });
    source.error(new Error('source'));
    other.complete();
    expect(errors).toEqual([onError, onComplete]);
  });

  test('values, errors and completion reach an observer unchanged', () => {
    const log: unknown[] = [];
    guarded.subscribe({ next: (n) => log.push(n), complete: () => log.push('done') });
    source.next(1);
    source.complete();
    expect(log).toEqual([1, 'done']);
  });

  test('operator chains keep the RxJS error handling (their subscribers are passed through)', () => {
    const log: unknown[] = [];
    guarded
      .pipe(
        map((n) => {
          if (n === 2) throw new Error('map failed');
          return n;
        }),
      )
      .subscribe({ next: (n) => log.push(n), error: (e: Error) => log.push(e.message) });
    source.next(1);
    source.next(2);
    expect(log).toEqual([1, 'map failed']);
    expect(errors).toEqual([]);
  });

  test('reportingObserver leaves an empty subscribe alone', () => {
    expect(reportingObserver(undefined, () => {})).toBeUndefined();
    expect(reportingObserver(null, () => {})).toBeUndefined();
  });
});
