/** Reconnect timing: exponential backoff with full jitter, capped, reset after a successful connection. */
export interface BackoffOptions {
  /** First delay ceiling in ms (default 100). */
  readonly initialDelayMs?: number;
  /** Largest delay ceiling in ms (default 5000). */
  readonly maxDelayMs?: number;
  /** Growth of the ceiling per failed attempt (default 2). */
  readonly factor?: number;
  /** Give up after this many failed attempts in a row (default: never). */
  readonly maxAttempts?: number;
  /** Random source in [0, 1) (injectable for tests). */
  readonly random?: () => number;
  /**
   * Called each time a link schedules a reconnect attempt, with the attempt number (0-based,
   * back to 0 after every successful connection) and the delay chosen, in ms — e.g. to show
   * "reconnecting in 3 s".
   */
  readonly onRetry?: (attempt: number, delayMs: number) => void;
}

/**
 * The delay before reconnect attempt `attempt` (0-based): a uniform random value between 0 and
 * `min(maxDelayMs, initialDelayMs × factor^attempt)` ("full jitter").
 * @example backoffDelay(3, { initialDelayMs: 100 }) // somewhere in [0, 800)
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialDelayMs = 100, maxDelayMs = 5000, factor = 2, random = Math.random } = options;
  const ceiling = Math.max(0, Math.min(maxDelayMs, initialDelayMs * Math.pow(factor, Math.max(0, attempt))));
  // A random source that strays outside [0, 1) must not make a negative or over-cap delay.
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.min(Math.floor(r * ceiling), Math.max(0, Math.ceil(ceiling) - 1));
}
