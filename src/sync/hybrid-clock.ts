const COUNTER_LIMIT = 0xffff;

function encode(wall: number, counter: number): string {
  return wall.toString(16).padStart(12, '0') + counter.toString(16).padStart(4, '0');
}

/**
 * A hybrid logical clock: stamps that follow wall time, never go backwards (even when the wall
 * clock does), and advance past every stamp received. Stamps are 16 hex digits and compare as
 * strings.
 *
 * @param now the wall clock in ms (injectable for tests).
 * @example
 * const clock = new HybridClock();
 * const a = clock.tick(); clock.observe(remoteStamp); const b = clock.tick(); // a < b
 */
export class HybridClock {
  private wall = 0;
  private counter = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A new stamp for a local event, greater than every stamp issued or observed before. */
  tick(): string {
    const physical = Math.floor(this.now());
    if (physical > this.wall) {
      this.wall = physical;
      this.counter = 0;
    } else {
      this.advanceCounter();
    }
    return encode(this.wall, this.counter);
  }

  /** Takes a received stamp into account, so later ticks are greater than it. */
  observe(stamp: string): void {
    const wall = parseInt(stamp.slice(0, 12), 16);
    const counter = parseInt(stamp.slice(12), 16);
    if (wall > this.wall || (wall === this.wall && counter > this.counter)) {
      this.wall = wall;
      this.counter = counter;
    }
  }

  /** The last stamp issued or observed (not a new one). */
  peek(): string {
    return encode(this.wall, this.counter);
  }

  private advanceCounter(): void {
    if (this.counter < COUNTER_LIMIT) {
      this.counter++;
    } else {
      // Out of counter space within one millisecond: borrow the next millisecond.
      this.wall++;
      this.counter = 0;
    }
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
