import { svgElement, plotPoints } from './svg.js';
import { SPARK_POINTS, type ValueHistory } from './value-history.js';

/** Size of a sparkline, in CSS pixels. */
const WIDTH = 64;
const HEIGHT = 14;

/**
 * The sparklines beside numeric vars in the tree: a line through a var's recent values (from a
 * {@link ValueHistory}), scaled to their own minimum and maximum, newest at the right. A var whose
 * value is not a number has an empty one. `data-points` holds how many values it shows.
 *
 * @example
 * const sparklines = new SparklineView(model.history);
 * row.append(sparklines.create('demo/t'));
 * sparklines.update(row.lastElementChild as SVGSVGElement, 'demo/t');
 */
export class SparklineView {
  constructor(private readonly history: ValueHistory) {}

  /** A sparkline for a var's row, drawn from its values so far. */
  create(fqn: string): SVGSVGElement {
    const svg = svgElement('svg', { class: 'spark', width: WIDTH, height: HEIGHT, viewBox: `-1 -1 ${WIDTH + 2} ${HEIGHT + 2}` });
    svg.append(svgElement('polyline', { fill: 'none', stroke: 'currentColor', 'stroke-width': 1.2, 'stroke-linejoin': 'round' }));
    this.update(svg, fqn);
    return svg;
  }

  /** Draws a var's values into its sparkline again. */
  update(svg: SVGSVGElement, fqn: string): void {
    const values = this.history.get(fqn) ?? [];
    const points = plotPoints(values, {
      width: WIDTH,
      height: HEIGHT,
      step: WIDTH / (SPARK_POINTS - 1),
      low: Math.min(...values),
      high: Math.max(...values),
    });
    // One value is a short level stroke, not an invisible point.
    if (points.length === 1) points.unshift([points[0][0] - 3, points[0][1]]);
    svg.firstElementChild!.setAttribute('points', points.map((point) => point.join(',')).join(' '));
    svg.dataset.points = String(values.length);
  }
}
