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
  /**
   * Deepest nesting of a value: arrays and objects inside one another, the value itself being
   * level 1 (default 32). A deeper value is refused with `VS_LIMIT`; the check does not recurse.
   */
  readonly maxDepth?: number;
  /**
   * Answers and control messages (acks, errors, pongs, …) that may wait for a peer that does not
   * read, in bytes of JSON (default 8 MiB); over it, the connection is closed with 4029
   * (`VS_LIMIT`). Updates do not count: for a slow reader they coalesce to the latest per var.
   */
  readonly maxQueuedBytes?: number;
  /**
   * Events that may wait for one subscriber that does not read fast enough, in bytes of JSON
   * (default 8 MiB); past it the hub drops that subscriber's oldest events and tells it how many
   * it missed (`evgap`). Other subscribers and state are not slowed.
   */
  readonly maxQueuedEventBytes?: number;
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
  maxQueuedEventBytes: count.optional(),
});

/**
 * Checks limits (positive integers, known keys) and fills in defaults.
 * @throws {ValidationError} naming the bad limit.
 */
export function resolveLimits(given: HubLimits = {}): ResolvedLimits {
  const parsed = limitsSchema.safeParse(given);
  if (!parsed.success)
    throw new ValidationError(`limits: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
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
    maxQueuedEventBytes: limits.maxQueuedEventBytes ?? 8 * 1024 * 1024,
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
 * Checks a value's nesting, numbers and size. `frameBytes` lets small frames skip the size check:
 * no value can be bigger than the frame that carried it. The value came from `JSON.parse`, so only
 * these can be wrong (its other parts are JSON by construction): nesting deeper than `maxDepth`,
 * and a number out of the double range (`1e400` parses to Infinity, which has no JSON form).
 * Nesting is checked first, without recursion: the size check (`JSON.stringify`) recurses, and a
 * value nested 100,000 deep would overflow its stack.
 * @throws {LimitError} naming the limit. {@link ValidationError} for ±Infinity.
 */
export function checkValueLimits(fqn: string, value: unknown, frameBytes: number, limits: ResolvedLimits): void {
  if (typeof value === 'object' && value !== null) {
    const fault = valueFault(value, limits.maxDepth);
    if (fault === TOO_DEEP) throw new LimitError(`${fqn}: value nests deeper than ${limits.maxDepth}`, { fqn });
    if (fault === NOT_FINITE) throw new ValidationError(`${fqn}: value holds a number out of the JSON (double) range`, { fqn });
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ValidationError(`${fqn}: value is a number out of the JSON (double) range`, { fqn });
  }
  if (frameBytes > limits.maxValueBytes) {
    const bytes = JSON.stringify(value)?.length ?? 0;
    if (bytes > limits.maxValueBytes)
      throw new LimitError(`${fqn}: value of ${bytes} bytes is over the limit of ${limits.maxValueBytes}`, { fqn, bytes });
  }
}

const FINE = 0;
const TOO_DEEP = 1;
const NOT_FINITE = 2;
/**
 * The objects still to visit and their nesting levels: kept between calls, so that a value checks
 * with no allocation (a flat one never pushes; a nested one reuses them). Emptied after each call.
 */
const toVisit: object[] = [];
const levels: number[] = [];

/**
 * What is wrong with a parsed value (an object): nesting deeper than `maxDepth` (the value itself
 * is level 1), or a number that is not finite. Depth first with an explicit stack: no recursion.
 */
function valueFault(value: object, maxDepth: number): number {
  let fault = maxDepth < 1 ? TOO_DEEP : FINE;
  let node = value;
  let level = 1;
  while (fault === FINE) {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && fault === FINE; i++) fault = visit(node[i], level, maxDepth);
    } else {
      for (const key in node) {
        fault = visit((node as Record<string, unknown>)[key], level, maxDepth);
        if (fault !== FINE) break;
      }
    }
    if (toVisit.length === 0) break;
    node = toVisit.pop()!;
    level = levels.pop()!;
  }
  toVisit.length = 0;
  levels.length = 0;
  return fault;
}

/** Checks one member of an object at `level`; queues it when it is an object. */
function visit(child: unknown, level: number, maxDepth: number): number {
  if (typeof child === 'object') {
    if (child === null) return FINE;
    if (level >= maxDepth) return TOO_DEEP;
    toVisit.push(child);
    levels.push(level + 1);
    return FINE;
  }
  return typeof child === 'number' && !Number.isFinite(child) ? NOT_FINITE : FINE;
}
