import { LimitError, ProtocolError, VarspaceError } from '../core/errors.js';
import type { Space } from '../core/space.js';
import { decodeFrame } from '../wire/codec.js';
import { PING_FRAME, PONG_FRAME, PONG_TEXT, pongText } from '../wire/heartbeat-text.js';
import { clientMessageSchema, quickPubs, type ClientMessage, type HelloMessage } from '../wire/messages.js';
import { errMessage } from '../wire/remote-error.js';
import { quickEvPub } from '../wire/event-messages.js';
import type { Channels } from './channels.js';
import { quickServiceIn } from '../wire/service-messages.js';
import type { Durability } from './durability.js';
import type { Handshake } from './handshake.js';
import type { HubCounters } from './hub-counters.js';
import type { Refuse } from './identities.js';
import type { ResolvedLimits } from './limits.js';
import type { Router } from './router.js';
import type { Services } from './services.js';
import type { Session } from './session.js';
import type { SpaceMirror } from './space-mirror.js';
import type { Writes } from './writes.js';

/** The quick checks of the messages a hub gets most: a writer's `pubs`, a publisher's `evpub`, requests and replies (zod decides the rest). */
const quickClientMessage = (message: unknown): ClientMessage | undefined =>
  quickPubs(message) ?? quickEvPub(message) ?? quickServiceIn(message);

/** What {@link FrameReader} hands the messages to. @internal */
export interface FrameReaderParts {
  readonly limits: ResolvedLimits;
  readonly counters: HubCounters;
  readonly space: Space;
  readonly handshake: Handshake;
  readonly writes: Writes;
  readonly router: Router;
  readonly durability: Durability;
  readonly mirror: SpaceMirror;
  readonly channels: Channels;
  readonly services: Services;
  readonly refuse: Refuse;
}

/**
 * Reads a session's frames: size and rate limits, decoding, `hello` first, then each message to
 * the part of the hub that owns it. A frame's messages run in one batch of the hub's space; as
 * the frame ends, the sessions it gave state to are flushed, then its plain writes mirrored. @internal
 *
 * @example
 * const reader = new FrameReader({ limits, counters, space, handshake, writes, router, durability, mirror, refuse });
 * const scheduler = new FrameScheduler<Session>((session, data) => reader.read(session, data));
 */
export class FrameReader {
  private readonly limits: ResolvedLimits;
  private readonly counters: HubCounters;
  private readonly space: Space;
  private readonly handshake: Handshake;
  private readonly writes: Writes;
  private readonly router: Router;
  private readonly durability: Durability;
  private readonly mirror: SpaceMirror;
  private readonly channels: Channels;
  private readonly services: Services;
  private readonly refuse: Refuse;

  constructor(parts: FrameReaderParts) {
    ({
      limits: this.limits,
      counters: this.counters,
      space: this.space,
      handshake: this.handshake,
      writes: this.writes,
      router: this.router,
      durability: this.durability,
      mirror: this.mirror,
      channels: this.channels,
      services: this.services,
      refuse: this.refuse,
    } = parts);
  }

  /**
   * One frame of a session. Before `hello` the hub reads exactly one frame: it must decode and
   * begin with `hello`, or the connection is refused with 4002 (so a pre-hello flood costs one
   * `JSON.parse` of at most `maxFrameBytes`: the other messages are validated only after the first
   * is found to be `hello`). After it, a malformed frame gets `err` `VS_BAD_FRAME`,
   * changes nothing and counts as one message against the rate limit.
   */
  read(session: Session, data: string): void {
    if (session.closed) return;
    session.liveness.hear();
    if (data.length > this.limits.maxFrameBytes) {
      this.refuse(session, new LimitError(`frame of ${data.length} bytes is over the limit of ${this.limits.maxFrameBytes}`), 1009);
      return;
    }
    // A lone heartbeat, most of what an idle connection says: counted and rate-limited like any
    // message, with no decoding and no frame work.
    if (session.welcomed && (data === PONG_FRAME || data === PING_FRAME) && session.takeMessages(1)) {
      this.counters.messagesIn++;
      session.messagesIn++;
      if (data === PING_FRAME) {
        session.outbox.push(PONG_TEXT);
        session.flush();
      }
      return;
    }
    let messages: ClientMessage[];
    try {
      // (A lone heartbeat that gets here is over the rate limit: decoded as usual, then refused.)
      messages = decodeFrame(data, clientMessageSchema, quickClientMessage, undefined, session.welcomed ? undefined : 'hello');
    } catch (error) {
      this.counters.errors++;
      const refusal = error instanceof VarspaceError ? error : new ProtocolError('a frame must be a JSON array of messages');
      if (!session.welcomed) this.refuse(session, refusal, 4002);
      else if (this.withinRate(session, 1)) session.send(errMessage(refusal));
      return;
    }
    // A batch counts as the messages it holds (for the rate limit too).
    let count = messages.length;
    for (const message of messages) if (message.t === 'pubs') count += message.w.length - 1;
    for (const message of messages) if (message.t === 'evpub') count += message.e.length - 1;
    this.counters.messagesIn += count;
    session.messagesIn += count;
    if (!session.welcomed) {
      const hello = messages[0] as HelloMessage; // decodeFrame checked it
      if (!this.handshake.hello(session, hello)) return;
      messages = messages.slice(1);
      count--;
    }
    if (!this.withinRate(session, count)) return;
    session.frameBytes = data.length;
    const frame = this.writes.openFrame();
    try {
      this.space.batch.run(() => {
        for (const message of messages) {
          if (session.closed) return;
          try {
            this.onMessage(session, message);
          } catch (error) {
            this.writes.refused(session, error, message);
          }
        }
      });
    } finally {
      this.writes.closeFrame();
    }
    this.channels.flush(); // the frame's events, before the publisher's evok
    for (const each of frame.flush) each.flush();
    this.services.flush();
    session.flush(); // its acks and corrections
    if (frame.mirrors.length > 0) this.space.batch.run(() => this.mirror.applyLate(frame.mirrors));
  }

  /**
   * Takes `count` messages from the session's rate limit; over it, the frame is dropped with an
   * `err` `VS_LIMIT`, and the connection closed (4029) after `maxThrottledFrames` in a row.
   * @returns whether the frame may be processed.
   */
  private withinRate(session: Session, count: number): boolean {
    if (session.takeMessages(count)) return true;
    this.counters.refused++;
    if (session.throttle() > this.limits.maxThrottledFrames) {
      this.refuse(session, new LimitError('too many messages for too long'), 4029);
    } else {
      session.send(errMessage(new LimitError(`over ${this.limits.messagesPerSecond} messages per second: frame dropped`)));
    }
    return false;
  }

  private onMessage(session: Session, message: ClientMessage): void {
    switch (message.t) {
      case 'pub':
        return this.writes.pub(session, message);
      case 'pubs':
        return this.writes.pubs(session, message);
      case 'sub':
        return this.router.follow(session, message);
      case 'unsub':
        return this.router.unfollow(session, message.sid);
      case 'cas':
        return this.writes.cas(session, message);
      case 'del':
        return this.writes.del(session, message);
      case 'mark':
        return this.durability.mark(session, message.n);
      case 'ping':
        return session.outbox.push(pongText(message.n));
      case 'pong':
        return;
      case 'bye':
        return session.transport.close(1000, 'bye');
      case 'evpub':
        return this.channels.publish(session, message);
      case 'evsub':
        return this.channels.subscribe(session, message);
      case 'evunsub':
        return this.channels.unsubscribe(session, message.sid);
      case 'svadd':
        return this.services.add(session, message);
      case 'svdel':
        return this.services.remove(session, message.sv);
      case 'rq':
        return this.services.request(session, message);
      case 'rqx':
        return this.services.cancel(session, message.id);
      case 'rp':
      case 'rperr':
        return this.services.reply(session, message);
      case 'hello':
        throw new ProtocolError('hello was already said');
    }
  }
}
