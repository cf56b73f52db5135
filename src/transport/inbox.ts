import type { TransportHandlers } from './transport.js';

/**
 * Reports an exception thrown by a transport user's handler without letting it escape into the
 * event loop (where it would crash Node). Internal.
 *
 * @param where - which handler threw (`frame`, `close`, `drain`).
 * @param err - what it threw.
 */
export function reportHandlerError(where: string, err: unknown): void {
  try {
    console.error(`[varspace] a transport ${where} handler threw:`, err);
  } catch {
    // console itself failed; nothing more we can do
  }
}

const NO_FRAMES: string[] = [];

/**
 * The receiving half every transport shares (internal): buffers frames and the close that arrive
 * before `listen`, delivers them in order, calls `close` exactly once, never delivers a frame
 * after the close, and catches whatever the handlers throw.
 *
 * @example
 * const inbox = new Inbox();
 * inbox.frame('a');                                   // buffered
 * inbox.listen({ frame: console.log, close() {} });   // logs 'a' now
 * inbox.close(1000, 'bye', false);                    // close handler runs once
 */
export class Inbox {
  private handlers: TransportHandlers | undefined;
  /** Frames not delivered yet (a shared empty array while there are none: most inboxes never queue). */
  private queue: string[] = NO_FRAMES;
  private head = 0;
  private closing: { code: number; reason: string } | undefined;
  private closeDelivered = false;
  private flushing = false;

  /** True once a close (local or remote) has been recorded; no frame is delivered after it. */
  get isClosed(): boolean {
    return this.closing !== undefined;
  }

  /**
   * Sets the handlers and delivers, synchronously and in order, what arrived before.
   *
   * @param handlers - the user's handlers.
   * @throws Error when called a second time.
   */
  listen(handlers: TransportHandlers): void {
    if (this.handlers !== undefined) throw new Error('Transport.listen() may be called only once');
    this.handlers = handlers;
    this.flush();
  }

  /**
   * One frame arrived from the peer. Dropped after a close.
   *
   * @param data - the frame.
   */
  frame(data: string): void {
    if (this.closing !== undefined) return;
    const h = this.handlers;
    if (h !== undefined && !this.flushing && this.head === this.queue.length) {
      // fast path: nothing queued, deliver directly
      try {
        h.frame(data);
      } catch (err) {
        reportHandlerError('frame', err);
      }
      return;
    }
    if (this.queue === NO_FRAMES) this.queue = [data];
    else this.queue.push(data);
    this.flush();
  }

  /**
   * Records the close. A remote close is delivered after the frames that arrived before it; a
   * local close drops undelivered frames and is delivered on a microtask (never from inside
   * `Transport.close`). Later calls are ignored.
   *
   * @param code - close code.
   * @param reason - close reason.
   * @param local - true when this side called `close`.
   */
  close(code: number, reason: string, local: boolean): void {
    if (this.closing !== undefined) return;
    this.closing = { code, reason };
    if (local) {
      this.queue = NO_FRAMES;
      this.head = 0;
      queueMicrotask(() => this.flush());
    } else {
      this.flush();
    }
  }

  /** Calls the `drain` handler, if any, unless closed. */
  drain(): void {
    const h = this.handlers;
    if (h?.drain === undefined || this.closing !== undefined) return;
    try {
      h.drain();
    } catch (err) {
      reportHandlerError('drain', err);
    }
  }

  private flush(): void {
    const h = this.handlers;
    if (h === undefined || this.flushing) return;
    this.flushing = true;
    try {
      while (this.head < this.queue.length) {
        const data = this.queue[this.head++] as string;
        try {
          h.frame(data);
        } catch (err) {
          reportHandlerError('frame', err);
        }
      }
      this.queue = NO_FRAMES;
      this.head = 0;
      if (this.closing !== undefined && !this.closeDelivered) {
        this.closeDelivered = true;
        try {
          h.close(this.closing.code, this.closing.reason);
        } catch (err) {
          reportHandlerError('close', err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }
}
