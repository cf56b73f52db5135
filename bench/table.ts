/** One row of a benchmark table: a measured figure beside its baseline from the same run. */
export interface BenchRow {
  readonly what: string;
  /** The figure; over several runs, their median (never the best run: see `spread`). */
  readonly value: number;
  /** min–max of `value` over the runs it is the median of. */
  readonly range?: Range;
  readonly unit: string;
  readonly baselineName?: string;
  readonly baseline?: number;
  /** min–max of `baseline` over its runs. */
  readonly baselineRange?: Range;
  /** Higher is better (rates) unless false (times, bytes). */
  readonly higherIsBetter?: boolean;
  /** Goal as text, e.g. "≥ 0.7×". */
  readonly goal?: string;
  /** Whether the goal is met (computed by the bench). */
  readonly met?: boolean;
}

/** The smallest and the largest figure of a set of runs. */
export type Range = readonly [min: number, max: number];

/** The median of a set of runs (the mean of the middle two for an even count) and its range. */
export function spread(runs: readonly number[]): { median: number; range: Range } {
  if (runs.length === 0) return { median: NaN, range: [NaN, NaN] };
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, range: [sorted[0], sorted[sorted.length - 1]] };
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

/** Ratio of value to baseline, oriented so that > 1 is better. */
export function ratio(row: BenchRow): number | undefined {
  if (row.baseline === undefined || row.baseline === 0) return undefined;
  return row.higherIsBetter === false ? row.baseline / row.value : row.value / row.baseline;
}

const figure = (value: number, unit: string, range?: Range): string =>
  `${fmt(value)} ${unit}${range ? ` (${fmt(range[0])}–${fmt(range[1])})` : ''}`;

/** Prints a markdown table of rows under a title; a figure with a range reads "median unit (min–max)". */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  console.log(`\n### ${title}\n`);
  console.log('| what | varspace | baseline | ratio | goal | met |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    const r = ratio(row);
    const base =
      row.baseline === undefined ? '' : `${figure(row.baseline, row.unit, row.baselineRange)} (${row.baselineName ?? 'baseline'})`;
    const met = row.met === undefined ? '' : row.met ? 'yes' : 'NO';
    console.log(
      `| ${row.what} | ${figure(row.value, row.unit, row.range)} | ${base} | ${r === undefined ? '' : `${r.toFixed(2)}×`} | ${row.goal ?? ''} | ${met} |`,
    );
  }
}

/** Runs `fn` repeatedly for about `ms` milliseconds; returns operations per second. */
export function opsPerSecond(fn: (n: number) => void, batch: number, ms = 500): number {
  fn(batch); // warm up
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    fn(batch);
    ops += batch;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

/**
 * Measures `value` (varspace) and `baseline` `runs` times each, alternating which goes first,
 * so that neither side always gets the warmer (or quieter) machine; returns every run's figure.
 */
export function interleave(runs: number, value: () => number, baseline: () => number): { values: number[]; baselines: number[] } {
  const values: number[] = [];
  const baselines: number[] = [];
  for (let run = 0; run < runs; run++) {
    if (run % 2 === 0) {
      baselines.push(baseline());
      values.push(value());
    } else {
      values.push(value());
      baselines.push(baseline());
    }
  }
  return { values, baselines };
}

/** A row's figures from runs: the median and range of each side (their ratio is median over median). */
export function medians(
  values: readonly number[],
  baselines: readonly number[],
): { value: number; range: Range; baseline: number; baselineRange: Range } {
  const side = spread(values);
  const base = spread(baselines);
  return { value: side.median, range: side.range, baseline: base.median, baselineRange: base.range };
}
