import type { Outbox } from '../transport/outbox.js';
import { backoffDelay } from './backoff.js';
import type { Connection } from './connection.js';
import type { Replica, ReplicaRecord } from './replica.js';
import { UnconfirmedWrites } from './unconfirmed.js';

/** At a low write rate, marks (which confirm writes) go out at most this often… */
const MARK_INTERVAL_MS = 1_000;
/** …unless this many writes are unconfirmed, or someone waits for the confirmation. */
const MARK_EVERY_WRITES = 1_000;

/** Options of {@link WriteMarks}. @internal */
export interface WriteMarksOptions {
  /** The connection the writes and marks leave through. */
  readonly connection: Connection;
  /** Where the records of set-aside writes are looked up again. */
  readonly replica: Replica;
  /** After the pause that follows a dropped frame: sends again what else may have been in it (requests, pings, follows). */
  readonly resendAfterDrop: () => void;
}

/**
 * A link's writes until the hub confirms them: each is queued with the number of the mark that
 * will confirm it, marks end frames (held back at a low rate), a `marked` answer clears what it
 * covers and wakes who waits for it, and a frame the hub dropped (over its rate limit) is sent
 * again after a growing pause. What is still unconfirmed at a reconnect is sent again. @internal
 *
 * @example
 * marks.track(record, pubEntryText(fqn, stamp, value));   // queued, unconfirmed
 * await marks.confirmed();                                 // once the hub's `marked` covers it
 */
export class WriteMarks {
  private readonly unconfirmed = new UnconfirmedWrites<ReplicaRecord>();
  private readonly waiters: { mark: number; resolve: () => void }[] = [];
  private nextMark = 1;
  private pubsSinceMark = false;
  /** Runs for {@link MARK_INTERVAL_MS} while marks are held back (see `holdMarks`). */
  private markTimer: ReturnType<typeof setTimeout> | undefined;
  /** Unconfirmed writes that may have been in a frame the hub dropped (rate limit), to send again. */
  private readonly dropped = new Map<string, string>();
  private droppedTimer: ReturnType<typeof setTimeout> | undefined;
  private dropStreak = 0;
  private readonly outbox: Outbox;
  private readonly connection: Connection;
  private readonly replica: Replica;
  private readonly resendAfterDrop: () => void;

  constructor(options: WriteMarksOptions) {
    this.connection = options.connection;
    this.outbox = options.connection.outbox;
    this.replica = options.replica;
    this.resendAfterDrop = options.resendAfterDrop;
  }

  /** Queues a write and keeps it until the hub confirms it, so a reconnect can send it again (latest per var). */
  track(record: ReplicaRecord, serialized: string): void {
    this.unconfirmed.add(record, serialized, this.nextMark);
    this.pubsSinceMark = true;
    this.queueWrite(record.fqn, serialized);
  }

  /**
   * Before a flush: ends the frame with a mark when writes went out since the last one. Marks are
   * held back (to at most one every {@link MARK_INTERVAL_MS}) while nobody waits for them and few
   * writes are unconfirmed: at a low rate, a `marked` answer for every write would double the
   * frames the hub sends and wake the writer for each. A lone write (sent at once: at a low rate,
   * every write) never carries a mark; its mark waits for the timer and goes in a frame of its own.
   * A mark in the frame of a lone write made the hub answer the writer while it delivered that
   * write, waking two processes at once on shared cores: such writes were most of the slowest 5 %
   * in the latency bench.
   */
  appendMark(lone: boolean): void {
    if (!this.pubsSinceMark) return;
    if (this.waiters.length > 0 || this.unconfirmed.size >= MARK_EVERY_WRITES) this.sendMark();
    else if (this.markTimer !== undefined)
      return; // held back: the timer sends it
    else if (lone) this.holdMarks();
    else this.sendMark();
  }

  /** Resolves once the hub confirmed every write queued so far. */
  confirmed(): Promise<void> {
    if (this.unconfirmed.size === 0 && !this.pubsSinceMark) return Promise.resolve();
    // Writes not yet marked go out with the next mark; otherwise the last mark sent covers them.
    const mark = this.pubsSinceMark ? this.nextMark : this.nextMark - 1;
    const confirmed = new Promise<void>((resolve) => this.waiters.push({ mark, resolve }));
    if (this.connection.isOpen) this.sendMark();
    return confirmed;
  }

  /** The hub's `marked n`: the writes up to mark `n` are done. */
  onMarked(n: number): void {
    if (this.dropped.size === 0) this.dropStreak = 0;
    this.unconfirmed.confirm(n);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].mark <= n) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

  /**
   * The hub dropped one of our frames, which one is unknown: every unconfirmed write is set aside
   * (so a later `marked` cannot count it as done) and sent again after a pause that grows while
   * drops go on, with what else may have been in that frame (`resendAfterDrop`).
   */
  onFrameDropped(): void {
    for (const record of this.unconfirmed.entries()) this.dropped.set(record.fqn, record.unconfirmed!);
    this.unconfirmed.clear();
    if (this.droppedTimer) return;
    const delay = 50 + backoffDelay(this.dropStreak++, { initialDelayMs: 100, maxDelayMs: 2000 });
    this.droppedTimer = setTimeout(() => {
      this.droppedTimer = undefined;
      if (!this.connection.isOpen) return; // a reconnect's resync sends them
      this.takeBackDropped();
      this.resendAfterDrop();
    }, delay);
  }

  /** Puts the writes set aside by {@link onFrameDropped} back in the queue, unless written again since. */
  takeBackDropped(): void {
    for (const [fqn, serialized] of this.dropped) {
      const record = this.replica.get(fqn);
      if (!record || record.unconfirmed !== undefined) continue;
      this.track(record, serialized);
    }
    this.dropped.clear();
  }

  /** After a reconnect: queues every unconfirmed write again, confirmed at once rather than when the mark timer says. */
  resend(): void {
    for (const record of this.unconfirmed.entries()) this.queueWrite(record.fqn, record.unconfirmed!);
    if (this.unconfirmed.size > 0) {
      this.pubsSinceMark = true;
      this.sendMark();
    }
  }

  /** The link closed: no more marks, and whoever waits for one stops waiting. */
  close(): void {
    if (this.droppedTimer) clearTimeout(this.droppedTimer);
    this.droppedTimer = undefined;
    if (this.markTimer) clearTimeout(this.markTimer);
    this.markTimer = undefined;
    for (const waiter of this.waiters) waiter.resolve();
    this.waiters.length = 0;
  }

  /** Queues a write: a `pubs` entry (an array's text) or a message of its own (an object's). */
  private queueWrite(fqn: string, serialized: string): void {
    this.outbox.put(fqn, serialized, serialized.charCodeAt(0) === 91 /* [ */ ? '' : undefined);
  }

  /** Queues a mark now, if writes went out since the last one. */
  private sendMark(): void {
    if (!this.pubsSinceMark || this.connection.closing) return;
    this.pubsSinceMark = false;
    this.outbox.push(JSON.stringify({ t: 'mark', n: this.nextMark++ }));
    this.holdMarks();
  }

  /**
   * Holds marks back for {@link MARK_INTERVAL_MS} (a timer rather than a clock read at every
   * flush); at the end, a mark goes out for the writes made meanwhile, if any.
   */
  private holdMarks(): void {
    if (this.markTimer !== undefined) clearTimeout(this.markTimer);
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      if (this.connection.isOpen) this.sendMark();
    }, MARK_INTERVAL_MS);
    (this.markTimer as { unref?: () => void }).unref?.();
  }
}
