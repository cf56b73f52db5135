import { Observable, type Subscriber } from 'rxjs';
import { ClosedError, LimitError, ReservedNameError, type VarspaceError } from '../core/errors.js';
import { FqnTokenCache } from '../core/fqn-token-cache.js';
import { checkJsonValue } from '../core/json-value.js';
import { patternMatches } from '../core/pattern-trie.js';
import type { Tagged } from '../rx/tagged.js';
import type { EvOkMessage, EvSubErrMessage, EvsMessage } from '../wire/event-messages.js';
import { remoteError } from '../wire/remote-error.js';
import type { Connection } from './connection.js';
import { PendingEvent } from './pending-event.js';

/** An event as a subscriber gets it: `Tagged` (channel as `fqn`, publisher as `from`, the hub's stamp) and the channel's `seq`. */
export interface TaggedEvent<T> extends Tagged<T> {
  /** The event's number on its channel (1, 2, …, given by the hub in routing order). */
  readonly seq: number;
}

/** A link's event counters (part of `LinkStats`). */
export interface EventStats {
  /** Events published by this link (sent, or waiting to be). */
  readonly eventsOut: number;
  /** Events received. */
  readonly eventsIn: number;
  /** Events dropped by this link: published while disconnected, over `maxBufferedEvents`. */
  readonly eventsDropped: number;
  /** Events the hub dropped for this link (it read too slowly), from its gap notices. */
  readonly eventsMissed: number;
}

/** Options of {@link Events}. @internal */
export interface EventsOptions {
  readonly connection: Connection;
  /** This link's instance id now. */
  readonly self: () => string;
  /** Reports an error with no caller to throw to (`errors$`). */
  readonly fail: (error: VarspaceError) => void;
  /** Events kept while disconnected (default 10,000). */
  readonly maxBufferedEvents?: number;
}

interface EventSub {
  readonly pattern: string;
  readonly tokens: readonly string[];
  readonly self: boolean;
  readonly subscriber: Subscriber<TaggedEvent<unknown>>;
}

/** An `evpub` stays well under a hub's default frame limit (as the outbox's frames do). */
const CHARS_PER_MESSAGE = 64 * 1024;
const EVENTS_PER_MESSAGE = 5_000;
const resolved = Promise.resolve();

/**
 * A link's events: what it publishes (numbered, batched into one `evpub` per tick, kept until the
 * hub answers, and up to `maxBufferedEvents` of them while disconnected: sent again on reconnect,
 * in order), and its subscriptions (`evsub`, sent again on reconnect; incoming `evs` handed to
 * each whose pattern matches). @internal
 *
 * @example
 * const events = new Events({ connection, self: () => link.instanceId, fail });
 * events.publish('logs.api/info', 'up');
 * events.events$('logs.>', false).subscribe(console.log);
 */
export class Events {
  private readonly connection: Connection;
  private readonly self: () => string;
  private readonly fail: (error: VarspaceError) => void;
  private readonly maxBuffered: number;
  private readonly names = new FqnTokenCache();
  private readonly subs = new Map<number, EventSub>();
  private nextSid = 1;
  /** Events not answered yet: `pending[head…]`; `pending[i]` is number `first + i`, and those before `sent` went on this connection. */
  private pending: PendingEvent[] = [];
  private first = 1;
  private head = 0;
  private sent = 0;
  private scheduled = false;
  /** Whether the buffer overflowed while disconnected (reported once per disconnection). */
  private overflowed = false;
  private eventsOut = 0;
  private eventsIn = 0;
  private dropped = 0;
  private missed = 0;

  constructor(options: EventsOptions) {
    ({ connection: this.connection, self: this.self, fail: this.fail } = options);
    this.maxBuffered = options.maxBufferedEvents ?? 10_000;
  }

  /** See `Link.publish`. */
  publish(fqn: string, value: unknown): PendingEvent {
    this.names.of(fqn);
    if (fqn.charCodeAt(0) === 36) throw new ReservedNameError(fqn);
    checkJsonValue(value, fqn);
    const event = new PendingEvent(fqn, value);
    this.eventsOut++;
    if (this.connection.isOpen) {
      this.pending.push(event);
      if (!this.scheduled) {
        this.scheduled = true;
        resolved.then(this.flush);
      }
    } else {
      this.pending.push(event);
      if (this.pending.length - this.head > this.maxBuffered) this.dropOldest();
    }
    return event;
  }

  /** See `Link.events$`. */
  events$<T>(tokens: readonly string[], pattern: string, self: boolean): Observable<TaggedEvent<T>> {
    return new Observable<TaggedEvent<T>>((subscriber) => {
      const sid = this.nextSid++;
      this.subs.set(sid, { pattern, tokens, self, subscriber: subscriber as Subscriber<TaggedEvent<unknown>> });
      if (this.connection.isOpen) this.send({ t: 'evsub', sid, pattern, ...(self ? { self } : {}) });
      return () => {
        if (this.subs.delete(sid) && this.connection.isOpen) this.send({ t: 'evunsub', sid });
      };
    });
  }

  /** Counters for `Link.stats`. */
  stats(): EventStats {
    return { eventsOut: this.eventsOut, eventsIn: this.eventsIn, eventsDropped: this.dropped, eventsMissed: this.missed };
  }

  /** Events published by one instance: to each subscription that matches (own events only to `self` ones). */
  onEvents(message: EvsMessage): void {
    const { from, e } = message;
    const own = from === this.self();
    let last = '';
    let tokens: readonly string[] = [];
    for (let i = 0; i < e.length; i++) {
      const [fqn, seq, stamp, value] = e[i];
      if (fqn !== last) tokens = this.names.of((last = fqn));
      const tagged: TaggedEvent<unknown> = { value, fqn, from, stamp, seq };
      this.eventsIn++;
      for (const sub of this.subs.values()) if ((sub.self || !own) && patternMatches(sub.tokens, tokens)) sub.subscriber.next(tagged);
    }
  }

  /** The hub's answer to the `evpub` numbered `n`: events before it that are unanswered were in a frame it refused. */
  onAccepted(message: EvOkMessage): void {
    const { n, s, x } = message;
    const pending = this.pending;
    while (this.head < this.sent && this.first + this.head < n)
      this.refuse(pending[this.head++], new LimitError('the hub refused the frame that carried this event (see errors$)'));
    for (let i = 0; i < s.length && this.head < this.sent && this.first + this.head === n + i; i++) {
      const event = pending[this.head++];
      if (s[i] > 0) event.accept(s[i]);
      else {
        const refusal = x?.find((each) => each[0] === i);
        this.refuse(
          event,
          remoteError({ t: 'err', code: refusal?.[1] ?? 'VS_INTERNAL', message: refusal?.[2] ?? 'refused', fqn: event.fqn }),
        );
      }
    }
    this.compact();
  }

  /** The hub dropped `missed` events for this link (it read too slowly). */
  onGap(missed: number): void {
    this.missed += missed;
    this.fail(new LimitError(`the hub dropped ${missed} events for this link: it did not read them fast enough`, { missed }));
  }

  /** The hub refused a subscription: it ends with the error. */
  onSubRefused(message: EvSubErrMessage): void {
    const sub = this.subs.get(message.sid);
    if (sub === undefined) return;
    this.subs.delete(message.sid);
    sub.subscriber.error(remoteError({ t: 'err', code: message.code, message: message.message }));
  }

  /** After a reconnect: subscribe again, then send every event not answered, in order. */
  resync(): void {
    for (const [sid, { pattern, self }] of this.subs) this.send({ t: 'evsub', sid, pattern, ...(self ? { self } : {}) });
    this.overflowed = false;
    this.sent = this.head;
    this.flush();
  }

  /** The link closed: waiting events are refused with {@link ClosedError}, subscriptions complete. */
  close(): void {
    const error = new ClosedError('link closed before the hub accepted the event');
    for (let i = this.head; i < this.pending.length; i++) this.pending[i].refuse(error);
    this.pending = [];
    this.head = this.sent = 0;
    for (const sub of [...this.subs.values()]) sub.subscriber.complete();
    this.subs.clear();
  }

  /** Sends the events not sent on this connection, as `evpub` messages of at most 64 KiB each. */
  private readonly flush = (): void => {
    this.scheduled = false;
    const pending = this.pending;
    let name = '';
    let json = '';
    while (this.sent < pending.length) {
      const start = this.sent;
      let text = '';
      let i = start;
      for (; i < pending.length && i - start < EVENTS_PER_MESSAGE && text.length < CHARS_PER_MESSAGE; i++) {
        const { fqn, value } = pending[i];
        if (fqn !== name) json = JSON.stringify((name = fqn));
        const entry = value === undefined ? `[${json}]` : `[${json},${JSON.stringify(value)}]`;
        text = i === start ? entry : `${text},${entry}`;
      }
      this.sent = i;
      this.connection.outbox.push(`{"t":"evpub","n":${this.first + start},"e":[${text}]}`);
    }
  };

  private send(message: object): void {
    this.connection.outbox.push(JSON.stringify(message));
  }

  /** Over `maxBufferedEvents` while disconnected: the oldest waiting event goes. */
  private dropOldest(): void {
    const event = this.pending[this.head++];
    if (this.sent < this.head) this.sent = this.head;
    this.dropped++;
    const error = new LimitError(`over ${this.maxBuffered} events published while disconnected: the oldest are dropped`, {
      fqn: event.fqn,
    });
    if (!event.refuse(error) && !this.overflowed) this.fail(error);
    this.overflowed = true;
    this.compact();
  }

  private refuse(event: PendingEvent, error: VarspaceError): void {
    if (!event.refuse(error)) this.fail(error);
  }

  /** Lets go of answered events now and then (not one by one: that would shift the array). */
  private compact(): void {
    if (this.head === this.pending.length) {
      this.first += this.head;
      this.sent -= this.head;
      this.head = 0;
      this.pending.length = 0;
    } else if (this.head > 1024 && this.head * 2 > this.pending.length) {
      this.pending = this.pending.slice(this.head);
      this.first += this.head;
      this.sent -= this.head;
      this.head = 0;
    }
  }
}
