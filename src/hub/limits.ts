import { z } from 'zod';
import { LimitError, ValidationError } from '../core/errors.js';

/** Per-connection limits of a hub; every one has a default. */
export interface HubLimits {
  /** Largest frame, in bytes (default 1 MiB); a bigger one closes the connection with 1009. */
  readonly maxFrameBytes?: number;
  /** Sustained messages per second per connection (default 20,000). */
  readonly messagesPerSecond?: number;
  /** Burst size of the message token bucket (default 2 × `messagesPerSecond`). */
  readonly burst?: number;
  /** Throttled frames in a row before the connection is closed (default 20). */
  readonly maxThrottledFrames?: number;
  /** Vars one connection may create on the hub (default 100,000). */
  readonly maxVarsPerConnection?: number;
  /** Follows one connection may hold (default 1,000). */
  readonly maxFollowsPerConnection?: number;
  /** Largest value, as JSON bytes (default 256 KiB). */
  readonly maxValueBytes?: number;
  /** Deepest nesting of a value (default 32). */
  readonly maxDepth?: number;
  /**
   * Answers and control messages (acks, errors, pongs, …) that may wait for a peer that does not
   * read, in bytes of JSON (default 8 MiB); over it, the connection is closed with 4029
   * (`VS_LIMIT`). Updates do not count: for a slow reader they coalesce to the latest per var.
   */
  readonly maxQueuedBytes?: number;
}

/** The limits with every default filled in. */
export type ResolvedLimits = Required<HubLimits>;

const count = z.number().int().positive();
const limitsSchema = z.strictObject({
  maxFrameBytes: count.optional(),
  messagesPerSecond: count.optional(),
  burst: count.optional(),
  maxThrottledFrames: count.optional(),
  maxVarsPerConnection: count.optional(),
  maxFollowsPerConnection: count.optional(),
  maxValueBytes: count.optional(),
  maxDepth: count.optional(),
  maxQueuedBytes: count.optional(),
});

/**
 * Checks limits (positive integers, known keys) and fills in defaults.
 * @throws {ValidationError} naming the bad limit.
 */
export function resolveLimits(given: HubLimits = {}): ResolvedLimits {
  const parsed = limitsSchema.safeParse(given);
  if (!parsed.success) throw new ValidationError(`limits: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const limits = parsed.data;
  const messagesPerSecond = limits.messagesPerSecond ?? 20_000;
  return {
    maxFrameBytes: limits.maxFrameBytes ?? 1024 * 1024,
    messagesPerSecond,
    burst: limits.burst ?? messagesPerSecond * 2,
    maxThrottledFrames: limits.maxThrottledFrames ?? 20,
    maxVarsPerConnection: limits.maxVarsPerConnection ?? 100_000,
    maxFollowsPerConnection: limits.maxFollowsPerConnection ?? 1_000,
    maxValueBytes: limits.maxValueBytes ?? 256 * 1024,
    maxDepth: limits.maxDepth ?? 32,
    maxQueuedBytes: limits.maxQueuedBytes ?? 8 * 1024 * 1024,
  };
}

/**
 * A token bucket: `take(n)` succeeds while the average rate stays under `ratePerSecond`, with
 * bursts up to `capacity`. @internal
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = capacity;
    this.last = now();
  }

  take(n: number): boolean {
    const now = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    if (this.tokens < n) return false;
    this.tokens -= n;
    return true;
  }
}

/**
 * Checks a value's size and nesting. `frameBytes` lets small frames skip the size check: no
 * value can be bigger than the frame that carried it.
 * @throws {LimitError} naming the limit.
 */
export function checkValueLimits(fqn: string, value: unknown, frameBytes: number, limits: ResolvedLimits): void {
  if (frameBytes > limits.maxValueBytes) {
    const bytes = JSON.stringify(value)?.length ?? 0;
    if (bytes > limits.maxValueBytes) throw new LimitError(`${fqn}: value of ${bytes} bytes is over the limit of ${limits.maxValueBytes}`, { fqn, bytes });
  }
  if (typeof value === 'object' && value !== null && depthOver(value, limits.maxDepth)) {
    throw new LimitError(`${fqn}: value nests deeper than ${limits.maxDepth}`, { fqn });
  }
}

/** Whether an object nests deeper than `budget` (no allocation: it runs on every write). */
function depthOver(value: object, budget: number): boolean {
  if (budget <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (typeof child === 'object' && child !== null && depthOver(child, budget - 1)) return true;
    }
    return false;
  }
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && depthOver(child, budget - 1)) return true;
  }
  return false;
}
