// Benchmarks of the in-process model (issue 2): each figure is a ratio against a baseline
// measured in the same run, so the goals do not depend on the machine. Every figure is the
// median of interleaved runs (varspace and its baseline alternating which goes first), with
// their range beside it; a ratio is median over median, never the best run of either side.
import { BehaviorSubject, type Subscription } from 'rxjs';
import { Space, parseFqn, parsePattern } from '../dist/index.js';
import { patternMatches } from '../dist/core/pattern-trie.js';
import { interleave, medians, opsPerSecond, printTable, spread, type BenchRow } from './table.js';

const gc = (globalThis as { gc?: () => void }).gc;

/** Collects garbage until the heap stops shrinking, then returns the bytes in use. */
function settledHeap(): number {
  if (!gc) throw new Error('run the bench with node --expose-gc (npm run bench does)');
  let used = Infinity;
  for (let i = 0; i < 5; i++) {
    gc();
    const now = process.memoryUsage().heapUsed;
    if (now >= used) break;
    used = now;
  }
  return used;
}

function internFqn(i: number): string {
  return `ns${i % 1000}.sub/v${i}`;
}

// Sinks keep the optimiser from dropping the work being measured.
let sink = 0;

const RUNS = 5;

/**
 * A var's writes against a raw BehaviorSubject's, with one subscriber each and with none (a var
 * that only a link or hub shares: `Var.emit` skips rxjs's `next` then, see spec/core/rxjs-internals).
 */
function resetRows(): BenchRow[] {
  return [1, 0].map((subscribers) => {
    const raw = new BehaviorSubject(0);
    const space = new Space();
    const v = space.intern(`bench/counter${subscribers}`, 0);
    if (subscribers > 0) {
      raw.subscribe((n) => {
        sink += n;
      });
      v.subscribe((n) => {
        sink += n;
      });
    }
    const { values, baselines } = interleave(
      RUNS,
      () =>
        opsPerSecond(
          (n) => {
            for (let i = 0; i < n; i++) v.reset(i);
          },
          10_000,
          300,
        ),
      () =>
        opsPerSecond(
          (n) => {
            for (let i = 0; i < n; i++) raw.next(i);
          },
          10_000,
          300,
        ),
    );
    const figures = medians(values, baselines);
    const what = subscribers > 0 ? '`v.reset(i)`, one subscriber' : '`v.reset(i)`, no subscriber';
    return {
      what,
      ...figures,
      unit: 'ops/s',
      baselineName: 'BehaviorSubject.next',
      goal: '≥ 0.7×',
      met: figures.value / figures.baseline >= 0.7,
    };
  });
}

const INTERN_COUNT = 1_000_000;

interface Cost {
  readonly ms: number;
  readonly bytesPerEntry: number;
}

/** Time and retained heap of `build`, which returns what keeps its entries alive. */
function cost(build: () => unknown): Cost {
  const before = settledHeap();
  const start = performance.now();
  const kept: unknown = build();
  const ms = performance.now() - start;
  const after = settledHeap();
  if (kept === undefined) sink++;
  return { ms, bytesPerEntry: (after - before) / INTERN_COUNT };
}

/**
 * Fresh names for one round, made before the clock starts, by a template literal as app code
 * makes them: V8 builds those as ropes (cons strings). Reusing one set across rounds would
 * flatter the Map, which caches each key's hash in the string after the first round.
 * With `flat`, each name is flattened beforehand (a string-to-number conversion does it).
 */
function freshKeys(flat: boolean): string[] {
  const keys = Array.from({ length: INTERN_COUNT }, (_, i) => internFqn(i));
  if (flat) for (const key of keys) sink += Number(key) | 0;
  return keys;
}

/** Each side's cost in `rounds` interleaved rounds (alternating which goes first). */
function internCosts(rounds: number, flat: boolean): { raw: Cost[]; vs: Cost[] } {
  const buildRaw = (keys: readonly string[]) => () => {
    const map = new Map<string, BehaviorSubject<number>>();
    for (let i = 0; i < keys.length; i++) map.set(keys[i], new BehaviorSubject(i));
    return map;
  };
  const buildSpace = (keys: readonly string[]) => () => {
    const space = new Space();
    for (let i = 0; i < keys.length; i++) space.intern(keys[i], i);
    return space;
  };
  const raw: Cost[] = [];
  const vs: Cost[] = [];
  for (let round = 0; round < rounds; round++) {
    const sides = [() => raw.push(cost(buildRaw(freshKeys(flat)))), () => vs.push(cost(buildSpace(freshKeys(flat))))];
    if (round % 2 === 1) sides.reverse();
    for (const side of sides) side();
  }
  return { raw, vs };
}

function internRows(): BenchRow[] {
  const plain = internCosts(3, false);
  // The same with names flattened beforehand: checking a name reads its characters, which makes
  // V8 flatten a rope into a new string; Map.set hashes a rope without doing so. This row shows
  // how much of the first one is that.
  const flat = internCosts(3, true);
  const baselineName = 'BehaviorSubjects in a Map';
  const ms = (costs: { raw: Cost[]; vs: Cost[] }) =>
    medians(
      costs.vs.map((c) => c.ms),
      costs.raw.map((c) => c.ms),
    );
  const time = ms(plain);
  const flatTime = ms(flat);
  const heap = medians(
    plain.vs.map((c) => c.bytesPerEntry),
    plain.raw.map((c) => c.bytesPerEntry),
  );
  return [
    {
      what: 'intern 1,000,000 vars: time',
      ...time,
      unit: 'ms',
      baselineName,
      higherIsBetter: false,
      goal: '≤ 2× time',
      met: time.value <= 2 * time.baseline,
    },
    {
      what: 'intern 1,000,000 vars: time, names flattened first',
      ...flatTime,
      unit: 'ms',
      baselineName,
      higherIsBetter: false,
      goal: '≤ 2× time',
      met: flatTime.value <= 2 * flatTime.baseline,
    },
    {
      what: 'intern 1,000,000 vars: heap per var',
      ...heap,
      unit: 'B',
      baselineName,
      higherIsBetter: false,
      goal: '≤ 2× bytes',
      met: heap.value <= 2 * heap.baseline,
    },
  ];
}

/**
 * `count` patterns, mixed literal, `*` and `>`, that match a constant few of the interned FQNs
 * (`ns{k}.sub/v{i}`, k < 1000) whatever their number, so that what grows is routing, not delivery.
 *
 * - `dense`: every pattern hangs off the 1000 namespaces being interned into, so each step of
 *   the walk meets ~count/1000 siblings (the worst case for memory, not for the algorithm).
 * - `spread`: pattern j hangs off namespace `ns{j}`, as when subscriptions cover a larger tree;
 *   the interned namespaces see the same few patterns at 1k and at 100k.
 * At 1k the two sets are the same.
 */
function makePatterns(count: number, layout: 'dense' | 'spread'): string[] {
  const patterns = ['*.sub/*', 'ns7.>', 'ns3.sub/v3003'];
  for (let j = patterns.length; j < count; j++) {
    const k = layout === 'dense' ? j % 1000 : j;
    switch (j % 3) {
      case 0:
        patterns.push(`ns${k}.sub/w${j}`);
        break;
      case 1:
        patterns.push(`ns${k}.*/x${j}`);
        break;
      default:
        patterns.push(`ns${k}.x${j}.>`);
        break;
    }
  }
  return patterns;
}

const ROUTED_INTERNS = 20_000;

/** The subscription sets measured: the 1k set, then 10k and 100k in each layout. */
const SCENARIOS = [
  { count: 1_000, layout: 'dense' },
  { count: 10_000, layout: 'dense' },
  { count: 100_000, layout: 'dense' },
  { count: 10_000, layout: 'spread' },
  { count: 100_000, layout: 'spread' },
] as const;

/** A space holding `patterns` live `events$` subscriptions, and FQNs to intern into it. */
interface RoutedSpace {
  readonly space: Space;
  readonly subscriptions: Subscription[];
  readonly fqns: string[];
}

function routedSpace(patterns: readonly string[]): RoutedSpace {
  const space = new Space();
  for (let k = 0; k < 1000; k++) space.createNs(`ns${k}.sub`);
  const subscriptions = patterns.map((p) =>
    space.events$(p).subscribe(() => {
      sink++;
    }),
  );
  return { space, subscriptions, fqns: Array.from({ length: ROUTED_INTERNS }, (_, i) => internFqn(i)) };
}

/**
 * One round: interns the same fresh FQNs and unmaps them afterwards (untimed), so that the
 * space does not grow from round to round and only the number of subscriptions differs.
 */
function internRound({ space, fqns }: RoutedSpace, round: number): number {
  // No forced GC here: after a full collection V8 sweeps the old heap concurrently, which on a
  // small machine slows the timed loop in proportion to the heap, not to the subscriptions.
  const start = performance.now();
  for (let i = 0; i < fqns.length; i++) space.intern(fqns[i], round);
  const rate = (fqns.length / (performance.now() - start)) * 1000;
  for (let i = 0; i < fqns.length; i++) space.unmap(fqns[i]);
  return rate;
}

/** The same FQNs routed by a linear scan over the same patterns (parse, then test each one): one run. */
function linearScanRate(patterns: readonly string[]): number {
  const listeners = patterns.map((source) => ({
    tokens: parsePattern(source).tokens,
    deliver: () => {
      sink++;
    },
  }));
  let next = 0;
  return opsPerSecond(
    (n) => {
      for (let i = 0; i < n; i++, next++) {
        const { tokens } = parseFqn(internFqn(next));
        for (const listener of listeners) if (patternMatches(listener.tokens, tokens)) listener.deliver();
      }
    },
    Math.max(10, Math.floor(20_000 / patterns.length)),
    300,
  );
}

/** One run of a space with `patterns` subscribed: the median of its rounds after the first (a warm-up). */
function routedRate(patterns: readonly string[]): number {
  const routed = routedSpace(patterns);
  const rounds: number[] = [];
  for (let round = 0; round < 6; round++) {
    const rate = internRound(routed, round);
    if (round > 0) rounds.push(rate);
  }
  for (const s of routed.subscriptions) s.unsubscribe();
  return spread(rounds).median;
}

function routingRows(): BenchRow[] {
  const patternSets = SCENARIOS.map(({ count, layout }) => makePatterns(count, layout));
  const rates: number[][] = patternSets.map(() => []);
  const baselines: number[][] = patternSets.map(() => []);
  // Each space is measured alone (another one alive would slow it through the heap), and the
  // whole sequence runs three times, each scenario's linear scan beside it, so that a change in
  // the machine's load during one pass does not decide the 1k-to-100k comparison.
  for (let pass = 0; pass < 3; pass++) {
    patternSets.forEach((patterns, i) => {
      const sides = [() => baselines[i].push(linearScanRate(patterns)), () => rates[i].push(routedRate(patterns))];
      if (pass % 2 === 1) sides.reverse();
      for (const side of sides) side();
    });
  }
  const rows: BenchRow[] = SCENARIOS.map(({ count, layout }, i) => {
    const label = count === 1_000 ? '1k' : `${count / 1000}k ${layout}`;
    const figures = medians(rates[i], baselines[i]);
    return {
      what: `intern with ${label} live pattern subscriptions`,
      ...figures,
      unit: 'interns/s',
      baselineName: `linear scan of the same ${count / 1000}k`,
      ...(count === 10_000 ? { goal: '≥ 20×', met: figures.value / figures.baseline >= 20 } : {}),
    };
  });
  for (const layout of ['dense', 'spread'] as const) {
    const figures = medians(rates[SCENARIOS.findIndex((s) => s.count === 100_000 && s.layout === layout)], rates[0]);
    rows.push({
      what: `intern rate, 100k ${layout} vs 1k subscriptions`,
      ...figures,
      unit: 'interns/s',
      baselineName: 'with 1k',
      goal: '≥ 0.5× (near-flat)',
      met: figures.value / figures.baseline >= 0.5,
    });
  }
  return rows;
}

function resolveRow(): BenchRow {
  const count = 100_000;
  const space = new Space();
  const map = new Map<string, unknown>();
  const keys: string[] = [];
  for (let i = 0; i < count; i++) {
    const fqn = internFqn(i);
    keys.push(fqn);
    map.set(fqn, space.intern(fqn, i));
  }
  const mapRate = () =>
    opsPerSecond(
      (n) => {
        for (let i = 0; i < n; i++) if (map.get(keys[i % count]) !== undefined) sink++;
      },
      10_000,
      300,
    );
  const resolveRate = () =>
    opsPerSecond(
      (n) => {
        for (let i = 0; i < n; i++) if (space.resolve(keys[i % count]) !== undefined) sink++;
      },
      10_000,
      300,
    );
  const { values, baselines } = interleave(RUNS, resolveRate, mapRate);
  const figures = medians(values, baselines);
  return {
    what: '`resolve(fqn)`',
    ...figures,
    unit: 'ops/s',
    baselineName: 'Map.get',
    goal: '≥ 0.5×',
    met: figures.value / figures.baseline >= 0.5,
  };
}

/** Runs the core benchmarks and prints their table. */
export async function run(): Promise<void> {
  const rows = [...resetRows(), ...internRows(), ...routingRows(), resolveRow()];
  printTable('core (issue 2)', rows);
  if (sink === -1) console.log(sink);
}
