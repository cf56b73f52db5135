/** One row of a benchmark table: a measured figure beside its baseline from the same run. */
export interface BenchRow {
  readonly what: string;
  readonly value: number;
  readonly unit: string;
  readonly baselineName?: string;
  readonly baseline?: number;
  /** Higher is better (rates) unless false (times, bytes). */
  readonly higherIsBetter?: boolean;
  /** Goal as text, e.g. "≥ 0.7×". */
  readonly goal?: string;
  /** Whether the goal is met (computed by the bench). */
  readonly met?: boolean;
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

/** Prints a markdown table of rows under a title. */
export function printTable(title: string, rows: readonly BenchRow[]): void {
  console.log(`\n### ${title}\n`);
  console.log('| what | varspace | baseline | ratio | goal | met |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    const r = ratio(row);
    const base = row.baseline === undefined ? '' : `${fmt(row.baseline)} ${row.unit} (${row.baselineName ?? 'baseline'})`;
    const met = row.met === undefined ? '' : row.met ? 'yes' : 'NO';
    console.log(`| ${row.what} | ${fmt(row.value)} ${row.unit} | ${base} | ${r === undefined ? '' : `${r.toFixed(2)}×`} | ${row.goal ?? ''} | ${met} |`);
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
