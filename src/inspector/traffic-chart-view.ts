import { element } from './dom.js';
import { svgElement } from './svg.js';
import { TRAFFIC_KINDS, TRAFFIC_WINDOW_MS, totalRate, type KindRates, type TrafficSeries } from './traffic-series.js';

/** The chart's drawing box (stretched to the panel's width): in above the middle line, out below. */
const WIDTH = 300;
const HEIGHT = 80;
const MIDDLE = HEIGHT / 2;
/** The tallest stack's height: a little room is left above and below. */
const HALF = MIDDLE - 2;
/** The chart spans at least this much time (ms), so that the first minute fills in from the right. */
const MIN_SPAN_MS = 60_000;

const round = (n: number) => Math.round(n * 10) / 10;
const rateText = (perSecond: number) => (perSecond >= 100 ? Math.round(perSecond).toLocaleString() : String(round(perSecond)));

/**
 * A live chart of the hub's messages per second over the last minutes (a {@link TrafficSeries}):
 * messages in stacked above the middle line, out below, each split into state, events and
 * requests (a layer per kind, `data-series="in-state"` and so on; events and requests appear in the
 * key once the hub counts them), newest at the right, scaled to the peak. A caption gives the
 * latest rates. Its heading and box are the view's own elements (page.ts styles `#traffic`).
 *
 * @example
 * const chart = new TrafficChartView(series);
 * aside.prepend(...chart.section);
 * chart.draw(); // after each reading
 */
export class TrafficChartView {
  /** The heading and the chart, to put in the page. */
  readonly section: readonly HTMLElement[];
  private readonly svg = svgElement('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', height: HEIGHT });
  private readonly layers = new Map<string, SVGPathElement>();
  private readonly caption = element('div', 'caption', 'waiting for the hub’s counters…');
  /** A colour key per kind. */
  private readonly key = TRAFFIC_KINDS.map((kind) => {
    const swatch = element('span', `kind ${kind}`, `■ ${kind}`);
    swatch.dataset.kind = kind;
    swatch.hidden = kind !== 'state';
    return swatch;
  });

  constructor(private readonly series: TrafficSeries) {
    for (const direction of ['in', 'out']) {
      for (const kind of TRAFFIC_KINDS) {
        const layer = svgElement('path', { class: `${direction} ${kind}` });
        layer.dataset.series = `${direction}-${kind}`;
        this.layers.set(layer.dataset.series, layer);
        this.svg.append(layer);
      }
    }
    this.svg.append(svgElement('line', { x1: 0, x2: WIDTH, y1: MIDDLE, y2: MIDDLE }));
    const key = element('div', 'key');
    key.append(...this.key, element('span', undefined, 'in ↑ above the line, out ↓ below'));
    const box = element('div');
    box.id = 'traffic';
    box.append(this.svg, key, this.caption);
    this.section = [element('h3', undefined, 'Hub traffic (messages/s)'), box];
  }

  /** Draws the series as it is now. */
  draw(): void {
    const { points, kinds } = this.series;
    this.svg.dataset.points = String(points.length);
    if (points.length === 0) return;
    const newest = points[points.length - 1];
    const span = Math.min(TRAFFIC_WINDOW_MS, Math.max(MIN_SPAN_MS, newest.time - points[0].time));
    const x = (time: number) => round(WIDTH - ((newest.time - time) / span) * WIDTH);
    const peak = Math.max(1, ...points.map((point) => Math.max(totalRate(point.in), totalRate(point.out))));
    for (const direction of ['in', 'out'] as const) {
      const y = (rate: number) => round(MIDDLE + ((direction === 'in' ? -rate : rate) * HALF) / peak);
      let below = points.map(() => 0);
      for (const kind of TRAFFIC_KINDS) {
        const above = points.map((point, i) => below[i] + point[direction][kind]);
        // A lone point is drawn as a sliver from the left of it: a path through one point shows nothing.
        const xs = points.length === 1 ? [x(newest.time) - 1, x(newest.time)] : points.map((point) => x(point.time));
        const at = (stack: number[], i: number) => `${xs[i]},${y(stack[Math.min(i, stack.length - 1)])}`;
        const upper = xs.map((_, i) => at(above, i));
        const lower = xs.map((_, i) => at(below, i)).reverse();
        this.layers.get(`${direction}-${kind}`)!.setAttribute('d', `M${upper.join('L')}L${lower.join('L')}Z`);
        below = above;
      }
    }
    for (const swatch of this.key) swatch.hidden = swatch.dataset.kind !== 'state' && !kinds[swatch.dataset.kind as 'events' | 'requests'];
    this.caption.textContent = `in ${this.breakdown(newest.in)} · out ${this.breakdown(newest.out)} · peak ${rateText(peak)}/s`;
  }

  /** A direction's rate, with its kinds when the hub counts more than state. */
  private breakdown(rates: KindRates): string {
    const { kinds } = this.series;
    const parts = TRAFFIC_KINDS.filter((kind) => kind === 'state' || kinds[kind]).map((kind) => `${kind} ${rateText(rates[kind])}`);
    return `${rateText(totalRate(rates))}/s${parts.length > 1 ? ` (${parts.join(', ')})` : ''}`;
  }
}
