// Internal: the batch behind `derive` and `combineVars` (src/rx); tested here at its own level.
import { Batch, type Reaction } from '../../src/core/batch.js';

function reaction(rank: number, log: string[], name: string, run: () => void = () => {}): Reaction {
  return {
    rank,
    queued: false,
    run() {
      log.push(name);
      run();
    },
  };
}

describe('Batch', () => {
  let errors: unknown[];
  let batch: Batch;

  beforeEach(() => {
    errors = [];
    batch = new Batch((error) => errors.push(error));
  });

  test('runs queued reactions when the outermost group ends, lowest rank first', () => {
    const log: string[] = [];
    batch.run(() => {
      batch.enqueue(reaction(2, log, 'two'));
      batch.enqueue(reaction(0, log, 'zero'));
      batch.run(() => batch.enqueue(reaction(1, log, 'one')));
      expect(log).toEqual([]); // the inner group ending does not drain
    });
    expect(log).toEqual(['zero', 'one', 'two']);
    expect(batch.depth).toBe(0);
  });

  test('a reaction queued twice runs once', () => {
    const log: string[] = [];
    const r = reaction(0, log, 'r');
    batch.run(() => {
      batch.enqueue(r);
      batch.enqueue(r);
    });
    expect(log).toEqual(['r']);
    expect(r.queued).toBe(false);
  });

  test('reactions queued while draining run in the same drain, by rank', () => {
    const log: string[] = [];
    const late = reaction(1, log, 'late');
    const early = reaction(3, log, 'early-high');
    batch.run(() => {
      batch.enqueue(reaction(0, log, 'first', () => batch.enqueue(late)));
      batch.enqueue(early);
    });
    expect(log).toEqual(['first', 'late', 'early-high']);
  });

  test('a throwing reaction is reported and the others still run', () => {
    const log: string[] = [];
    const failure = new Error('reaction failed');
    batch.run(() => {
      batch.enqueue(
        reaction(0, log, 'bad', () => {
          throw failure;
        }),
      );
      batch.enqueue(reaction(1, log, 'good'));
    });
    expect(log).toEqual(['bad', 'good']);
    expect(errors).toEqual([failure]);
  });

  test('run returns the value of fn, and drains even when fn throws', () => {
    const log: string[] = [];
    expect(batch.run(() => 42)).toBe(42);
    expect(() =>
      batch.run(() => {
        batch.enqueue(reaction(0, log, 'r'));
        throw new Error('fn failed');
      }),
    ).toThrow('fn failed');
    expect(log).toEqual(['r']);
    expect(batch.depth).toBe(0);
  });
});
