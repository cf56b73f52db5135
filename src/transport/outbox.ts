import type { Transport } from './transport.js';

/** Frames are capped at this many messages, so one burst never makes a giant frame. */
const MESSAGES_PER_FRAME = 5_000;
/**
 * …and at about this many characters (a message longer than that goes alone). 64 Ki UTF-16 units
 * are at most 192 KiB of UTF-8: well under a hub's default frame limit (1 MiB), and small enough
 * that the next process can start on one frame while the next is on the wire.
 */
const CHARS_PER_FRAME = 64 * 1024;
/** Above this many queued bytes on the socket, stop sending and coalesce (backpressure). */
const DEFAULT_HIGH_WATER = 1 << 20;
const BLOCKED_POLL_MS = 10;
/** Flushes run as promise reactions: Node wraps each `queueMicrotask` callback in an async resource. */
const resolved = Promise.resolve();
const NO_MESSAGES: readonly string[] = [];

/** Options of an {@link Outbox}. @internal */
export interface OutboxOptions {
  /** Called just before a frame is built (to append a marker); `lone` for a lone message sent at once (see `sendLoneAtOnce`). */
  beforeFlush?: (lone: boolean) => void;
  /** Above this many bytes queued on the socket, frames are held back and state coalesces. */
  highWater?: number;
  /**
   * Sends a state message that arrives while nothing is queued at once, in a frame of its own;
   * what follows it in the same tick is batched as usual. At a low rate every write is such a lone
   * one, and leaves without waiting for the end of the tick and the queue's bookkeeping (a link
   * sets this; a hub flushes at the end of each frame it handles instead).
   */
  sendLoneAtOnce?: boolean;
  /**
   * Most characters of control messages (they do not coalesce) that may wait; over it, they are
   * dropped, nothing more is queued, and `onOverflow` runs once (default: no bound).
   */
  maxControlChars?: number;
  /** Called once when `maxControlChars` is passed (the owner closes the connection). */
  onOverflow?: () => void;
}

/** A queued state message: a whole message, or (with a group) an entry of that group's batch. */
interface Queued {
  readonly text: string;
  readonly group: string | undefined;
}

/**
 * The outgoing side of a connection: messages queued during one tick go out as one frame.
 * State messages are keyed (by FQN): a newer one replaces the queued one, so a slow peer gets
 * the latest value per var instead of an unbounded queue. Entries of a group (`pubs`, or the
 * `upds` of one writer) that follow each other go out as one batch message. @internal
 */
export class Outbox {
  /** Number of queued state messages replaced by a newer one before being sent. */
  coalesced = 0;
  /** Number of messages handed to the transport. */
  sent = 0;
  private state = new Map<string, Queued>();
  /** The map not in use (the two swap at each flush, so a send that queues more is safe). */
  private spare = new Map<string, Queued>();
  private control: string[] = [];
  /** Characters in `control`. */
  private controlChars = 0;
  private overflowed = false;
  private scheduled = false;
  // The frame being built by a flush: its text (a rope), its messages, and the group whose batch is open at its end.
  private frame = '';
  private count = 0;
  private open: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly beforeFlush: ((lone: boolean) => void) | undefined;
  private readonly highWater: number;
  private readonly sendLoneAtOnce: boolean;
  private readonly maxControlChars: number;
  private readonly onOverflow: (() => void) | undefined;

  /**
   * @param transport where frames go.
   * @param groupHead the text that opens the batch message of a group (its entries follow, then `]}`).
   */
  constructor(
    private transport: Transport,
    private readonly groupHead: (group: string) => string,
    options: OutboxOptions = {},
  ) {
    this.beforeFlush = options.beforeFlush;
    this.highWater = options.highWater ?? DEFAULT_HIGH_WATER;
    this.sendLoneAtOnce = options.sendLoneAtOnce ?? false;
    this.maxControlChars = options.maxControlChars ?? Infinity;
    this.onOverflow = options.onOverflow;
  }

  /** Number of messages waiting. */
  get size(): number {
    return this.state.size + this.control.length;
  }

  /**
   * Queues the latest state for `key`, replacing a queued one. The replacement moves to the back
   * of the queue, so state goes out in the order of the latest writes (a hub's revision order):
   * a receiver cut off halfway through a flush has a prefix of it, never a later write without
   * an earlier one.
   *
   * @param group when given, `text` is an entry of that group's batch message, else a whole message.
   */
  put(key: string, text: string, group?: string): void {
    if (this.sendLoneAtOnce && !this.scheduled && this.timer === undefined && this.size === 0) {
      // The first message of a tick: the flush that ends the tick takes whatever follows it.
      this.schedule();
      if (this.transport.isOpen && this.transport.bufferedAmount <= this.highWater) {
        this.beforeFlush?.(true);
        const control = this.takeControl();
        this.append(text, group);
        this.appendAll(control);
        this.sendFrame();
        return;
      }
    }
    if (this.state.delete(key)) this.coalesced++;
    this.state.set(key, { text, group });
    this.schedule();
  }

  /** Queues a message that must not be coalesced (answers, markers, control); dropped once over `maxControlChars`. */
  push(serialized: string): void {
    if (this.overflowed) return;
    this.controlChars += serialized.length;
    if (this.controlChars > this.maxControlChars) {
      // A peer that does not read while it keeps asking: its answers cannot pile up without end.
      this.overflowed = true;
      this.control = [];
      this.controlChars = 0;
      this.onOverflow?.();
      return;
    }
    this.control.push(serialized);
    this.schedule();
  }

  /** Points the outbox at a new transport (after a reconnect); queued messages are dropped. */
  reset(transport: Transport): void {
    this.transport = transport;
    this.state.clear();
    this.control = [];
    this.controlChars = 0;
    this.overflowed = false;
  }

  /** Stops timers; queued messages are dropped. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.state.clear();
    this.control = [];
    this.controlChars = 0;
  }

  /** Sends now what is queued (the transport willing). */
  flush = (): void => {
    this.scheduled = false;
    if (!this.transport.isOpen || this.size === 0) return;
    if (this.transport.bufferedAmount > this.highWater) {
      // The peer is slow: keep coalescing until the socket drains.
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, BLOCKED_POLL_MS);
      return;
    }
    this.beforeFlush?.(false);
    // Frames are built by concatenation (a rope that the transport flattens once while encoding
    // it): much cheaper than collecting the parts in an array and joining them.
    const state = this.state;
    const control = this.takeControl();
    this.state = this.spare;
    this.spare = state;
    for (const { text, group } of state.values()) this.append(text, group);
    state.clear();
    this.appendAll(control);
    if (this.count > 0) this.sendFrame();
  };

  /** The queued control messages, leaving the queue empty (a send that queues more is then safe). */
  private takeControl(): readonly string[] {
    const control = this.control;
    if (control.length === 0) return NO_MESSAGES;
    this.control = [];
    this.controlChars = 0;
    return control;
  }

  private appendAll(messages: readonly string[]): void {
    for (let i = 0; i < messages.length; i++) this.append(messages[i], undefined);
  }

  /** Adds a message (or, with a group, a batch entry) to the frame being built, sending it first when full. */
  private append(text: string, group: string | undefined): void {
    if (this.count > 0 && (this.count === MESSAGES_PER_FRAME || this.frame.length + text.length >= CHARS_PER_FRAME)) this.sendFrame();
    if (group !== undefined && group === this.open) {
      this.frame = `${this.frame},${text}`;
    } else {
      const message = group === undefined ? text : `${this.groupHead(group)}${text}`;
      this.frame = this.count === 0 ? message : `${this.closedFrame()},${message}`;
      this.open = group;
    }
    this.count++;
  }

  /** The frame so far, with its open batch (if any) closed. */
  private closedFrame(): string {
    return this.open === undefined ? this.frame : `${this.frame}]}`;
  }

  private sendFrame(): void {
    const frame = `[${this.closedFrame()}]`;
    this.sent += this.count;
    // Reset before sending: a transport that calls back into a flush finds an empty frame.
    this.frame = '';
    this.count = 0;
    this.open = undefined;
    this.transport.send(frame);
  }

  private schedule(): void {
    if (this.scheduled || this.timer) return;
    this.scheduled = true;
    resolved.then(this.flush);
  }
}
