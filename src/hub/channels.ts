import { ForbiddenError, LimitError, ReservedNameError, ValidationError } from '../core/errors.js';
import { parseFqn, parsePattern } from '../core/names.js';
import { PatternTrie } from '../core/pattern-trie.js';
import type { EvPubMessage, EvSubMessage } from '../wire/event-messages.js';
import type { HybridClock } from '../wire/hybrid-clock.js';
import { errMessage } from '../wire/remote-error.js';
import { EventQueue } from './event-queue.js';
import type { HubCounters } from './hub-counters.js';
import { checkValueLimits, type ResolvedLimits } from './limits.js';
import type { Session } from './session.js';

/** One event subscription of a session, as the hub's channel trie holds it. @internal */
export interface ChannelSub {
  readonly queue: EventQueue;
  readonly sid: number;
  readonly tokens: readonly string[];
  /** Also the session's own events. */
  readonly self: boolean;
}

/** What {@link Channels} needs of the hub. @internal */
export interface ChannelsParts {
  readonly clock: HybridClock;
  readonly limits: ResolvedLimits;
  readonly counters: HubCounters;
}

/** What the hub keeps of a channel it routed an event of: its last seq (no value), and its name parsed and as JSON. */
interface Channel {
  seq: number;
  readonly tokens: readonly string[];
  readonly json: string;
}

/**
 * The hub's named channels: event subscriptions in a pattern trie, and the routing of each
 * published event — admitted (name, `publish` rule, value limits, the publisher's app-type channel
 * schema), given the channel's next seq and a stamp, and queued once for every subscribed session
 * that may read it. A channel holds no value: the hub keeps only its last seq. @internal
 *
 * @example
 * const channels = new Channels({ clock, limits, counters });
 * channels.subscribe(session, { t: 'evsub', sid: 1, pattern: 'logs.>' });
 * channels.publish(worker, { t: 'evpub', n: 1, e: [['logs.a/info', 'up']] });
 */
export class Channels {
  /** Events accepted, and entries queued for subscribers. */
  eventsIn = 0;
  eventsOut = 0;
  private readonly trie = new PatternTrie<ChannelSub>();
  /** Channels by name: one lookup per event gives its seq, its tokens and its JSON. */
  private readonly channels = new Map<string, Channel>();
  private readonly queues = new Map<Session, EventQueue>();
  private dirty: EventQueue[] = [];
  private readonly clock: HybridClock;
  private readonly limits: ResolvedLimits;
  private readonly counters: HubCounters;
  // The event being routed, read by `visit` (one bound function for every event: no closure per event).
  private mark = 0;
  private publisher: Session | undefined;
  private channel = '';
  private tokens: readonly string[] = [];
  private text = '';

  constructor(parts: ChannelsParts) {
    ({ clock: this.clock, limits: this.limits, counters: this.counters } = parts);
  }

  /**
   * Admits and routes the events of one `evpub`, then answers it with one `evok` (the seqs, and
   * the refusals: a refused event is not routed, the others are).
   */
  publish(session: Session, message: EvPubMessage): void {
    const entries = message.e;
    const seqs = new Array<number>(entries.length);
    let refusals: [number, string, string][] | undefined;
    const stamp = this.clock.tick();
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      const name = entry[0];
      let channel: Channel;
      try {
        channel = this.admit(session, name, entry[1]);
      } catch (error) {
        this.counters.refused++;
        seqs[i] = 0;
        const { code, message } = errMessage(error);
        (refusals ??= []).push([i, code, message]);
        continue;
      }
      const seq = ++channel.seq;
      seqs[i] = seq;
      this.eventsIn++;
      const value = entry.length === 2 ? JSON.stringify(entry[1]) : undefined;
      this.route(session, name, channel.tokens, `[${channel.json},${seq},"${stamp}"${value === undefined ? '' : `,${value}`}]`);
    }
    session.send(refusals === undefined ? { t: 'evok', n: message.n, s: seqs } : { t: 'evok', n: message.n, s: seqs, x: refusals });
  }

  /** Adds (or replaces) an event subscription; a bad or forbidden pattern, or one over the limit, gets `evsuberr`. */
  subscribe(session: Session, message: EvSubMessage): void {
    const { sid } = message;
    let tokens: readonly string[];
    try {
      tokens = parsePattern(message.pattern).tokens;
      if (session.access && !session.access.canFollow(tokens)) throw new ForbiddenError(`not allowed to read ${message.pattern}`);
      const held = this.queues.get(session)?.subs;
      if (held !== undefined && !held.has(sid) && held.size >= this.limits.maxFollowsPerConnection)
        throw new LimitError(`at most ${this.limits.maxFollowsPerConnection} event subscriptions per connection`);
    } catch (error) {
      this.counters.refused++;
      const { code, message: text } = errMessage(error);
      session.send({ t: 'evsuberr', sid, code, message: text });
      return;
    }
    this.unsubscribe(session, sid);
    let queue = this.queues.get(session);
    if (queue === undefined) {
      queue = new EventQueue(session, this.limits.maxQueuedEventBytes, this.queued);
      this.queues.set(session, queue);
    }
    const sub: ChannelSub = { queue, sid, tokens, self: message.self === true };
    queue.subs.set(sid, sub);
    this.trie.add(tokens, sub);
  }

  /** Ends an event subscription (none with that sid: nothing happens). */
  unsubscribe(session: Session, sid: number): void {
    const queue = this.queues.get(session);
    const sub = queue?.subs.get(sid);
    if (sub === undefined) return;
    queue!.subs.delete(sid);
    this.trie.remove(sub.tokens, sub);
  }

  /** Removes every subscription of `session` and what waits for it (it closed). */
  forget(session: Session): void {
    const queue = this.queues.get(session);
    if (queue === undefined) return;
    for (const sub of queue.subs.values()) this.trie.remove(sub.tokens, sub);
    queue.dispose();
    this.queues.delete(session);
  }

  /** Events dropped for slow subscribers so far (the live ones). */
  get dropped(): number {
    let dropped = 0;
    for (const queue of this.queues.values()) dropped += queue.dropped;
    return dropped;
  }

  /**
   * Checks one event before it is routed: its channel name, the `publish` rule, value limits, and
   * the publisher's app-type schema for the channel (by its last token, as a var's resource).
   * @returns the channel. @throws the typed refusal.
   */
  private admit(session: Session, channel: string, value: unknown): Channel {
    let known = this.channels.get(channel);
    const isNew = known === undefined;
    if (known === undefined) {
      if (channel.charCodeAt(0) === 36) throw new ReservedNameError(channel);
      known = { seq: 0, tokens: parseFqn(channel).tokens, json: JSON.stringify(channel) };
    }
    const tokens = known.tokens;
    if (session.access && !session.access.mayPublish(channel))
      throw new ForbiddenError(`not allowed to publish to ${channel}`, { fqn: channel });
    checkValueLimits(channel, value, session.frameBytes, this.limits);
    const schema = session.appType?.channels?.[tokens[tokens.length - 1]];
    if (schema) {
      const result = schema.safeParse(value);
      if (!result.success)
        throw new ValidationError(
          `${channel}: breaks the ${session.appType!.name} contract: ${result.error.issues.map((i) => i.message).join('; ')}`,
          { fqn: channel },
        );
    }
    // Kept once an event is admitted: refused names cost the hub nothing.
    if (isNew) this.channels.set(channel, known);
    return known;
  }

  private route(publisher: Session, channel: string, tokens: readonly string[], text: string): void {
    this.mark++;
    this.publisher = publisher;
    this.channel = channel;
    this.tokens = tokens;
    this.text = text;
    this.trie.forEachMatch(tokens, this.visit);
  }

  /** One matching subscription of the event being routed: queued once per session that may read it. */
  private readonly visit = (sub: ChannelSub): void => {
    const queue = sub.queue;
    if (queue.mark === this.mark) return;
    const session = queue.session;
    if (session === this.publisher && !sub.self) return;
    if (session.access && !session.access.canRead(this.channel, this.tokens)) return;
    queue.mark = this.mark;
    queue.push(this.publisher!.id, this.text);
    this.eventsOut++;
  };

  private readonly queued = (queue: EventQueue): void => {
    this.dirty.push(queue);
  };

  /**
   * Sends what waits for subscribers. `FrameReader` calls it as every frame ends (events are only
   * published by frames), before the frame's acks, so events are not held behind them.
   */
  readonly flush = (): void => {
    if (this.dirty.length === 0) return;
    const dirty = this.dirty;
    this.dirty = [];
    for (const queue of dirty) queue.flush();
  };
}
