const COUNTER_LIMIT = 0xffff;
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
  /** `encode(wall, counter)`, kept up to date. */
  private last = encode(0, 0);
  /** The newest stamp observed that is newer than `last`, not parsed yet (parsing waits for `tick`). */
  private pending: string | undefined;
  private wallHex = encode(0, 0).slice(0, 12);
  private wallOfHex = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** A new stamp for a local event, greater than every stamp issued or observed before. */
  tick(): string {
    this.settle();
    const physical = Math.floor(this.now());
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

  /** Takes a received stamp into account, so later ticks are greater than it. */
  observe(stamp: string): void {
    // Stamps are fixed-width lowercase hex, so string order is (wall, counter) order.
    if (stamp > (this.pending ?? this.last)) this.pending = stamp;
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
