// Benchmarks of the operators for app code (issue 3): each glitch-free varspace graph against
// the same graph built from raw BehaviorSubject + combineLatest + map, measured in the same run,
// so the ratios do not depend on the machine. Every figure is the median of interleaved runs
// (alternating which side goes first) with their range beside it; a ratio is median over median.
import { BehaviorSubject, combineLatest, map, type Observable } from 'rxjs';
import { Space, combineVars, derive, type Var } from '../dist/index.js';
import { interleave, medians, opsPerSecond, printTable, type BenchRow, type Range } from './table.js';

// Sinks keep the optimiser from dropping the work being measured.
let sink = 0;

const ROUNDS = 6;
const BATCH = 10_000;
const MS = 300;

/** Each side's rate in interleaved runs: medians and ranges. */
function compare(
  varspace: (n: number) => void,
  raw: (n: number) => void,
): { value: number; range: Range; baseline: number; baselineRange: Range } {
  const { values, baselines } = interleave(
    ROUNDS,
    () => opsPerSecond(varspace, BATCH, MS),
    () => opsPerSecond(raw, BATCH, MS),
  );
  return medians(values, baselines);
}

function rateRow(what: string, figures: ReturnType<typeof compare>, goal = 0.8): BenchRow {
  return {
    what,
    ...figures,
    unit: 'updates/s',
    baselineName: 'BehaviorSubject + combineLatest + map',
    goal: `≥ ${goal}×`,
    met: figures.value / figures.baseline >= goal,
  };
}

function combineRow(): BenchRow {
  const space = new Space();
  const a = space.intern('bench.combine/a', 0);
  space.intern('bench.combine/b', 1);
  space.intern('bench.combine/c', 2);
  combineVars({ a, b: 'bench.combine/b', c: 'bench.combine/c' }, space).subscribe((o) => {
    sink += o.a;
  });

  const ra = new BehaviorSubject(0);
  const rb = new BehaviorSubject(1);
  const rc = new BehaviorSubject(2);
  combineLatest([ra, rb, rc])
    .pipe(map(([av, bv, cv]) => ({ a: av, b: bv, c: cv })))
    .subscribe((o) => {
      sink += o.a;
    });

  const figures = compare(
    (n) => {
      for (let i = 0; i < n; i++) a.reset(i);
    },
    (n) => {
      for (let i = 0; i < n; i++) ra.next(i);
    },
  );
  return rateRow('`combineVars` of 3 vars, one writer', figures);
}

const DEPTH = 10;

function chainRow(): BenchRow {
  const space = new Space();
  const root = space.intern('bench.chain/d0', 0);
  let last: Var<number> = root;
  for (let i = 1; i <= DEPTH; i++) last = derive(`bench.chain/d${i}`, [last], (x) => x + 1, space);
  last.subscribe((v) => {
    sink += v;
  });

  // The raw graph: each level is a BehaviorSubject fed by combineLatest + map (what a derived var is).
  const rawRoot = new BehaviorSubject(0);
  let rawLast: Observable<number> = rawRoot;
  for (let i = 1; i <= DEPTH; i++) {
    const level = new BehaviorSubject(0);
    combineLatest([rawLast])
      .pipe(map(([x]) => x + 1))
      .subscribe(level);
    rawLast = level;
  }
  rawLast.subscribe((v) => {
    sink += v;
  });

  const figures = compare(
    (n) => {
      for (let i = 0; i < n; i++) root.reset(i);
    },
    (n) => {
      for (let i = 0; i < n; i++) rawRoot.next(i);
    },
  );
  return rateRow(`\`derive\` chain ${DEPTH} deep, root writes`, figures);
}

const WIDTH = 100;

function transactionRows(): BenchRow[] {
  const space = new Space();
  const vars = Array.from({ length: WIDTH }, (_, i) => space.intern(`bench.tx/v${i}`, 0));
  let computations = 0;
  const sum = derive(
    'bench.tx/sum',
    vars,
    (...values: number[]) => {
      computations++;
      let s = 0;
      for (const v of values) s += v;
      return s;
    },
    space,
  );
  sum.subscribe((v) => {
    sink += v;
  });

  // Baseline: the same 100 writes into raw subjects feeding one combineLatest + map (which
  // recomputes after every write: that is the glitch a transaction avoids).
  const subjects = Array.from({ length: WIDTH }, () => new BehaviorSubject(0));
  combineLatest(subjects)
    .pipe(
      map((values) => {
        let s = 0;
        for (const v of values) s += v;
        return s;
      }),
    )
    .subscribe((v) => {
      sink += v;
    });

  let k = 0;
  const tx = (n: number) => {
    for (let i = 0; i < n; i++) {
      k++;
      space.transact(() => {
        for (let j = 0; j < WIDTH; j++) vars[j].reset(k + j);
      });
    }
  };
  const raw = (n: number) => {
    for (let i = 0; i < n; i++) {
      k++;
      for (let j = 0; j < WIDTH; j++) subjects[j].next(k + j);
    }
  };
  // Times per transaction (µs), so each run's figure is a time and the median is of times.
  const { values, baselines } = interleave(
    ROUNDS,
    () => 1e6 / opsPerSecond(tx, 100, MS),
    () => 1e6 / opsPerSecond(raw, 100, MS),
  );
  computations = 0;
  tx(1);
  const perTx = computations;
  return [
    {
      what: `transaction writing ${WIDTH} vars feeding one \`derive\`: time`,
      ...medians(values, baselines),
      unit: 'µs',
      baselineName: `${WIDTH} × next into combineLatest + map`,
      higherIsBetter: false,
    },
    {
      what: `… recomputations of the \`derive\` per transaction`,
      value: perTx,
      unit: '',
      goal: '= 1',
      met: perTx === 1,
    },
  ];
}

/** Runs the rx suite and prints its table. */
export async function run(): Promise<void> {
  const rows = [combineRow(), chainRow(), ...transactionRows()];
  printTable('rx: operators (combineVars, derive, transactions)', rows);
  if (sink === 0.5) console.log(sink); // never true; keeps the sink alive
}
