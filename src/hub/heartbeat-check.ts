import { checkPeriodMs } from '../wire/liveness.js';
import type { Identities } from './identities.js';
import type { Session } from './session.js';

/** The hub option `heartbeat`: ping a quiet peer every `intervalMs` (default 10 s), drop it after `timeoutMs` of silence (default 30 s). */
export interface HeartbeatOptions {
  readonly intervalMs?: number;
  readonly timeoutMs?: number;
}

/**
 * The hub's keep-alive: one timer for all live sessions, which pings each peer quiet for an
 * interval, lets go of idle outboxes, and reports a peer silent for the timeout. @internal
 *
 * @example
 * const check = new HeartbeatCheck({ intervalMs: 5_000 }, identities, (session, quietMs) => drop(session));
 * check.stop();
 */
export class HeartbeatCheck {
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;

  /** @param timedOut - called for a session whose peer was silent for `timeoutMs` (it is still live). */
  constructor(
    options: HeartbeatOptions,
    private readonly identities: Identities,
    private readonly timedOut: (session: Session, quietMs: number) => void,
  ) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.timer = setInterval(() => this.check(), checkPeriodMs(this.intervalMs, this.timeoutMs));
    this.timer.unref?.();
  }

  private check(): void {
    const now = Date.now();
    for (const session of this.identities.sessions()) {
      const quiet = session.liveness.quietFor(now);
      if (quiet >= this.timeoutMs) {
        this.timedOut(session, quiet);
      } else if (quiet >= this.intervalMs && now - session.lastPing >= this.intervalMs) {
        session.lastPing = now;
        session.ping();
      } else {
        session.releaseOutbox();
      }
    }
  }

  /** Stops the timer. */
  stop(): void {
    clearInterval(this.timer);
  }
}
