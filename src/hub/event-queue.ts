import type { Session } from './session.js';
import type { ChannelSub } from './channels.js';

/** Above this many bytes queued on the socket, events wait in the queue (as a session's state does). */
const HIGH_WATER = 256 * 1024;
/** Frames of events stay well under a hub's default frame limit (as the outbox's do). */
const CHARS_PER_FRAME = 64 * 1024;
const BLOCKED_POLL_MS = 10;

/**
 * The events waiting for one subscribing session, in routing order (nothing coalesces), bounded by
 * `maxBytes`: past it the oldest are dropped and counted, and the next frame the session gets
 * begins with an `evgap` notice of how many it missed. A slow reader thus costs the hub at most
 * `maxBytes` of events, and slows nobody else. @internal
 *
 * @example
 * const queue = new EventQueue(session, limits.maxQueuedEventBytes, (q) => dirty.push(q));
 * queue.push(publisher.id, '["logs.a/info",1,"0190a3c2b5e10000","up"]');
 */
export class EventQueue {
  /** The session's subscriptions by sid. */
  readonly subs = new Map<number, ChannelSub>();
  /** The number of the last event given to this queue (an event matching several subscriptions goes once). */
  mark = 0;
  /** Events handed to the transport so far. */
  sent = 0;
  /** Events dropped so far (the slow-reader limit). */
  dropped = 0;
  private texts: string[] = [];
  private froms: string[] = [];
  private head = 0;
  private bytes = 0;
  private missed = 0;
  private waiting = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly session: Session,
    private readonly maxBytes: number,
    private readonly dirty: (queue: EventQueue) => void,
  ) {}

  /** Queues one event's entry text, published by `from`; drops the oldest once over the byte limit. */
  push(from: string, text: string): void {
    this.texts.push(text);
    this.froms.push(from);
    this.bytes += text.length;
    if (this.bytes > this.maxBytes) this.dropOldest();
    if (!this.waiting) {
      this.waiting = true;
      this.dirty(this);
    }
  }

  /** Sends what waits, in frames, while the socket takes it; else tries again shortly. */
  flush = (): void => {
    this.timer = undefined;
    this.waiting = false;
    const transport = this.session.transport;
    if (this.session.closed || !transport.isOpen) return this.clear();
    const { texts, froms } = this;
    while (this.head < texts.length || this.missed > 0) {
      if (transport.bufferedAmount > HIGH_WATER) {
        this.waiting = true;
        this.timer = setTimeout(this.flush, BLOCKED_POLL_MS);
        return;
      }
      let frame = this.missed > 0 ? `{"t":"evgap","missed":${this.missed}}` : '';
      this.missed = 0;
      let open: string | undefined;
      let i = this.head;
      for (; i < texts.length && frame.length < CHARS_PER_FRAME; i++) {
        const from = froms[i];
        if (from === open) frame = `${frame},${texts[i]}`;
        else {
          const head = `{"t":"evs","from":"${from}","e":[${texts[i]}`;
          frame = open === undefined && frame.length === 0 ? head : `${open === undefined ? frame : `${frame}]}`},${head}`;
          open = from;
        }
        this.bytes -= texts[i].length;
      }
      this.sent += i - this.head;
      this.head = i;
      transport.send(`[${open === undefined ? frame : `${frame}]}`}]`);
    }
    this.clear();
  };

  /** Drops what waits and stops retrying (the session closed). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.clear();
  }

  private clear(): void {
    this.texts.length = 0;
    this.froms.length = 0;
    this.head = 0;
    this.bytes = 0;
  }

  private dropOldest(): void {
    const { texts } = this;
    while (this.bytes > this.maxBytes && this.head < texts.length - 1) {
      this.bytes -= texts[this.head].length;
      this.head++;
      this.missed++;
      this.dropped++;
    }
    // Let go of the dropped entries now and then (not one by one: that would shift the arrays).
    if (this.head > 1024 && this.head * 2 > texts.length) {
      this.texts = texts.slice(this.head);
      this.froms = this.froms.slice(this.head);
      this.head = 0;
    }
  }
}
