/**
 * When a peer was last heard from, without reading the clock for every frame (on caches gone cold
 * between frames, `Date.now()` is among the dearest steps of a lone update): frames are counted,
 * and the periodic heartbeat check, which reads the clock anyway, notes when the count last
 * moved. So a quiet spell is known to within one check period. @internal
 *
 * @example
 * const liveness = new Liveness(Date.now());
 * liveness.hear();                       // on every frame
 * if (liveness.quietFor(Date.now()) > 30_000) drop(); // in the heartbeat timer
 */
export class Liveness {
  private heard = 0;
  private heardAtLastCheck = 0;
  private lastSeen: number;

  /** @param now - when the peer was last heard from (its connection, usually). */
  constructor(now: number) {
    this.lastSeen = now;
  }

  /** A frame arrived. */
  hear(): void {
    this.heard++;
  }

  /** Milliseconds the peer has been quiet for, as of `now` (taking the frames heard since the last call as heard now). */
  quietFor(now: number): number {
    if (this.heard !== this.heardAtLastCheck) {
      this.heardAtLastCheck = this.heard;
      this.lastSeen = now;
    }
    return now - this.lastSeen;
  }
}

/**
 * How often a side looks at its peer's liveness (ms): often enough to ping about on time, and to
 * notice a timeout within a third of it. A hub and a link with the same settings check alike.
 * @internal
 *
 * @param intervalMs - ping a peer quiet for this long.
 * @param timeoutMs - drop a peer quiet for this long.
 * @returns the period of the heartbeat timer.
 * @throws never.
 * @example setInterval(check, checkPeriodMs(10_000, 30_000)); // every 10 s
 */
export function checkPeriodMs(intervalMs: number, timeoutMs: number): number {
  return Math.max(10, Math.min(intervalMs, timeoutMs / 3));
}
