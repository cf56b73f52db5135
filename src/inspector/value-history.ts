/** How many recent values a var's sparkline shows. */
export const SPARK_POINTS = 40;

/**
 * The recent numeric values of each var, oldest first, at most {@link SPARK_POINTS} of them: what
 * the sparklines draw. A value that is not a finite number ends a var's series (its sparkline
 * goes until numbers come again). No DOM.
 *
 * @example
 * const history = new ValueHistory();
 * history.record('demo/t', 20);
 * history.record('demo/t', 21);
 * history.get('demo/t'); // [20, 21]
 */
export class ValueHistory {
  private readonly series = new Map<string, number[]>();

  /** Takes in a var's new value (from the link's updates or the page's own save). */
  record(fqn: string, value: unknown): void {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.series.delete(fqn);
      return;
    }
    const points = this.series.get(fqn);
    if (points === undefined) this.series.set(fqn, [value]);
    else {
      points.push(value);
      if (points.length > SPARK_POINTS) points.shift();
    }
  }

  /** The var's recent values, oldest first; undefined when its value is not a number. */
  get(fqn: string): readonly number[] | undefined {
    return this.series.get(fqn);
  }

  /** Drops a var's values (it was unmapped). */
  forget(fqn: string): void {
    this.series.delete(fqn);
  }
}
