// Small helpers for the inspector's pictures, drawn as SVG (no charting library).

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * A new SVG element with attributes.
 *
 * @example svgElement('polyline', { fill: 'none', stroke: '#0b6bcb' })
 */
export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number> = {},
): SVGElementTagNameMap[K] {
  const made = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) made.setAttribute(name, String(value));
  return made;
}

/**
 * SVG coordinates of values laid out left to right, `step` apart and ending at `width`, scaled
 * so that `low` is at the bottom (`height`) and `high` at the top (0); all at mid-height when
 * `low === high`. Coordinates are rounded to 0.1.
 *
 * @example plotPoints([1, 3], { width: 10, height: 10, step: 10, low: 1, high: 3 }) // [[0, 10], [10, 0]]
 */
export function plotPoints(
  values: readonly number[],
  { width, height, step, low, high }: { width: number; height: number; step: number; low: number; high: number },
): [number, number][] {
  const range = high - low;
  const start = width - (values.length - 1) * step;
  const round = (n: number) => Math.round(n * 10) / 10;
  return values.map((value, i) => [round(start + i * step), round(range > 0 ? height - ((value - low) / range) * height : height / 2)]);
}
