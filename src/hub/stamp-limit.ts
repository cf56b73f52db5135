import { ClockSkewError, ValidationError } from '../core/errors.js';
import { lastStampAt } from '../wire/hybrid-clock.js';
import { isStamp } from '../wire/messages.js';

/** The default of the hub option `maxClockDriftMs`: a minute. */
export const DEFAULT_MAX_CLOCK_DRIFT_MS = 60_000;

/**
 * The hub's bound on stamps: none may be more than `maxDriftMs` ahead of its wall clock. The
 * bound is a stamp string (stamps compare as strings), made again only when the wall clock has
 * moved on since the last `refresh`, so a write pays one string comparison. The wall clock read
 * is the highest seen (a clock stepped back does not lower the bound), never the hub's hybrid
 * clock, which stamps it accepted have pushed ahead: the bound cannot creep.
 *
 * @param now the hub's wall clock in ms.
 * @param maxDriftMs how far ahead a stamp may be, in ms (≥ 0).
 * @throws {ValidationError} when `maxDriftMs` is not a number ≥ 0.
 * @example
 * const limit = new StampLimit(Date.now, 60_000);
 * limit.refresh(); // once per frame
 * limit.check(stamp, fqn); // throws ClockSkewError when too far ahead
 */
export class StampLimit {
  /** The greatest stamp admitted now. */
  limit = '';
  private wall = -Infinity;

  constructor(
    private readonly now: () => number,
    readonly maxDriftMs: number = DEFAULT_MAX_CLOCK_DRIFT_MS,
  ) {
    if (typeof maxDriftMs !== 'number' || !(maxDriftMs >= 0))
      throw new ValidationError(`maxClockDriftMs must be a number ≥ 0, not ${String(maxDriftMs)}`);
    this.refresh();
  }

  /** Reads the wall clock, and moves the bound when it has moved on. */
  refresh(): void {
    const wall = this.now();
    if (wall > this.wall) {
      this.wall = wall;
      this.limit = lastStampAt(wall + this.maxDriftMs);
    }
  }

  /** Whether `stamp` is well-formed and within the bound (for stamps that no wire schema checked). */
  admits(stamp: unknown): boolean {
    return isStamp(stamp) && stamp <= this.limit;
  }

  /**
   * Admits a stamp (one the wire schema checked) or refuses it.
   * @throws {ClockSkewError} when `stamp` is further ahead than the bound (as of the last `refresh`).
   */
  check(stamp: string, fqn: string): void {
    if (stamp > this.limit) {
      const ahead = parseInt(stamp.slice(0, 12), 16) - Math.floor(this.wall);
      throw new ClockSkewError(`${fqn}: stamp ${stamp} is ${ahead} ms ahead of the hub's clock; at most ${this.maxDriftMs} ms is allowed`, {
        fqn,
        stamp,
        maxClockDriftMs: this.maxDriftMs,
      });
    }
  }
}
