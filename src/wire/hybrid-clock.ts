import { isStamp } from './messages.js';

const COUNTER_LIMIT = 0xffff;
/** The largest wall time 12 hex digits hold (2^48 - 1 ms: the year 10889). */
const MAX_WALL = 2 ** 48 - 1;
/**
 * Stamps from this wall time on (2^47 ms: the year 6429) are never observed, and a wall clock
 * reading past it counts as just below it: the 2^47 ms above are headroom, so that counting on from
 * any stamp a clock takes can never run out of digits (that takes 2^47 × 65,536 ticks).
 */
const WALL_CEILING = 2 ** 47;
/** The first stamp at {@link WALL_CEILING}: a stamp is below the ceiling iff it compares below this. */
const STAMP_CEILING = '8000000000000000';
/** Two hex digits per byte value: a stamp is made by lookups, not `toString(16)` (a runtime call, dear on cold caches). */
const HEX_BYTE = Array.from({ length: 256 }, (_, b) => (b + 0x100).toString(16).slice(1));
const TWO_24 = 0x1000000;

/** `n` (0 ≤ n < 2^24) as 6 hex digits. */
function hex24(n: number): string {
  return HEX_BYTE[n >>> 16] + HEX_BYTE[(n >>> 8) & 0xff] + HEX_BYTE[n & 0xff];
}

/** A wall time in ms (below 2^48: the year 10889) as 12 hex digits. */
function wallHexOf(wall: number): string {
  const high = Math.floor(wall / TWO_24);
  return hex24(high) + hex24(wall - high * TWO_24);
}

function counterHexOf(counter: number): string {
  return HEX_BYTE[counter >>> 8] + HEX_BYTE[counter & 0xff];
}

function encode(wall: number, counter: number): string {
  return wallHexOf(wall) + counterHexOf(counter);
}

/**
 * The last stamp of wall time `wall` (its counter exhausted): every stamp whose wall part is at
 * most `wall` compares less than or equal to it, so a bound on wall time is one string comparison.
 * @param wall ms; clamped into the range a stamp holds (0 … 2^48 - 1).
 * @example stamp <= lastStampAt(Date.now() + 60_000) // not more than a minute ahead
 */
export function lastStampAt(wall: number): string {
  const clamped = wall >= MAX_WALL ? MAX_WALL : wall > 0 ? Math.floor(wall) : 0;
  return encode(clamped, COUNTER_LIMIT);
}

/**
 * A hybrid logical clock: stamps that follow wall time, never go backwards (even when the wall
 * clock does), and advance past every stamp received. Stamps are 16 hex digits and compare as
 * strings.
 *
 * The clock cannot be poisoned: a stamp that is malformed or at or past the year 6429 (wall 2^47
 * ms) is not observed, and a wall clock reading past that counts as just below it; so ticks stay
 * well-formed 16-hex stamps, each greater than the last, whatever was observed. (Whether a stamp is
 * too far ahead to accept is the hub's call: see `maxClockDriftMs`.)
 *
 * @param now a clock in ms: the wall clock (the default; injectable for tests), or a steady clock
 *   that {@link HybridClock.syncTo} sets to another clock's wall time.
 * @example
 * const clock = new HybridClock();
 * const a = clock.tick(); clock.observe(remoteStamp); const b = clock.tick(); // a < b
 */
export class HybridClock {
  private wall = 0;
  private counter = 0;
  /** `encode(wall, counter)`, kept up to date. */
  private last = encode(0, 0);
  /** The newest stamp observed that is newer than `last`, not parsed yet (parsing waits for `tick`). */
  private pending: string | undefined;
  private wallHex = encode(0, 0).slice(0, 12);
  private wallOfHex = 0;
  /** Added to `now()`: set by {@link syncTo}. */
  private offset = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A new stamp for a local event, greater than every stamp issued or observed before. */
  tick(): string {
    this.settle();
    let physical = Math.floor(this.now() + this.offset);
    // NaN counts as 0 (the clock counts on), a reading past the ceiling as just below it.
    if (!(physical < WALL_CEILING)) physical = physical >= WALL_CEILING ? WALL_CEILING - 1 : 0;
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else {
      this.advanceCounter();
    }
    if (this.wall !== this.wallOfHex) {
      this.wallOfHex = this.wall;
      this.wallHex = wallHexOf(this.wall);
    }
    return (this.last = this.wallHex + counterHexOf(this.counter));
  }

  /**
   * Takes a received stamp into account, so later ticks are greater than it. A malformed stamp, or
   * one at or past the ceiling (see the class), is ignored.
   */
  observe(stamp: string): void {
    // Stamps are fixed-width lowercase hex, so string order is (wall, counter) order; only a stamp
    // newer than the newest known one is checked for its form (it is the only one that is kept).
    if (stamp > (this.pending ?? this.last) && stamp < STAMP_CEILING && isStamp(stamp)) this.pending = stamp;
  }

  /**
   * {@link observe} for a stamp whose form a wire schema has checked already (links and hubs
   * observe every update they take: its form is not checked twice). The ceiling still applies.
   * @internal
   */
  observeWellFormed(stamp: string): void {
    if (stamp > (this.pending ?? this.last) && stamp < STAMP_CEILING) this.pending = stamp;
  }

  /**
   * Sets this clock's wall time to another clock's: from now on it reads `now() + (wall - now())`
   * (e.g. the hub's time from its `welcome`). Stamps still never go backwards: after a step back
   * the clock counts within its last millisecond until the wall time passes it.
   * @param wall the other clock's time now, in ms (ignored unless the offset it gives is a finite number).
   * @example clock.syncTo(welcome.time)
   */
  syncTo(wall: number): void {
    const offset = wall - this.now();
    if (Number.isFinite(offset)) this.offset = offset;
  }

  /** The last stamp issued or observed (not a new one). */
  peek(): string {
    this.settle();
    return this.last;
  }

  private settle(): void {
    const stamp = this.pending;
    if (stamp === undefined) return;
    this.pending = undefined;
    const wall = parseInt(stamp.slice(0, 12), 16);
    const counter = parseInt(stamp.slice(12), 16);
    if (wall > this.wall || (wall === this.wall && counter > this.counter)) {
      this.wall = wall;
      this.counter = counter;
      this.last = encode(wall, counter);
    }
  }

  private advanceCounter(): void {
    if (this.counter < COUNTER_LIMIT) {
      this.counter++;
    } else if (this.wall < MAX_WALL) {
      // Out of counter space within one millisecond: borrow the next millisecond.
      this.wall++;
      this.counter = 0;
    }
    // At the very last stamp (2^47 ms × 65,536 ticks past the ceiling: never reached) it stays there.
  }
}

/**
 * Orders two writes: by stamp, then by writer instance id (so every replica picks the same winner).
 * @returns a negative number when a is older, positive when newer, 0 when the same write.
 */
export function compareWrites(stampA: string, fromA: string, stampB: string, fromB: string): number {
  if (stampA !== stampB) return stampA < stampB ? -1 : 1;
  if (fromA === fromB) return 0;
  return fromA < fromB ? -1 : 1;
}
