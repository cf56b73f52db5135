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
}

/**
 * The delay before reconnect attempt `attempt` (0-based): a uniform random value between 0 and
 * `min(maxDelayMs, initialDelayMs × factor^attempt)` ("full jitter").
 * @example backoffDelay(3, { initialDelayMs: 100 }) // somewhere in [0, 800)
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const { initialDelayMs = 100, maxDelayMs = 5000, factor = 2, random = Math.random } = options;
  const ceiling = Math.min(maxDelayMs, initialDelayMs * Math.pow(factor, attempt));
  return Math.floor(random() * ceiling);
}
