import { ForbiddenError, LimitError } from '../core/errors.js';
import { FqnTokenCache } from '../core/fqn-token-cache.js';
import { parsePattern } from '../core/names.js';
import { PatternTrie, patternMatches } from '../core/pattern-trie.js';
import type { SubMessage } from '../wire/messages.js';
import { errMessage } from '../wire/remote-error.js';
import type { FrameWork } from './frame-work.js';
import type { HubCounters } from './hub-counters.js';
import type { ResolvedLimits } from './limits.js';
import { recordText } from './record-text.js';
import type { Session, SessionFollow } from './session.js';
import type { Store, StoreRecord } from './store.js';

/**
 * The hub's follows: a pattern trie of every session's follows, the snapshot a new follow gets
 * (everything, or what changed `since` a revision), and the routing of each accepted write to the
 * sessions whose follows match it and whose rules let them read it. @internal
 *
 * @example
 * const router = new Router(store, limits, counters);
 * router.follow(session, { t: 'sub', sid: 1, pattern: 'ui.>' });
 * router.route(record, writer, frame);
 */
export class Router {
  private readonly trie = new PatternTrie<SessionFollow>();
  private readonly fqnTokens = new FqnTokenCache();

  constructor(
    private readonly store: Store,
    private readonly limits: ResolvedLimits,
    private readonly counters: HubCounters,
  ) {}

  /** The tokens of a name the store holds (cached: names are parsed once). */
  tokensOf(fqn: string): readonly string[] {
    return this.fqnTokens.of(fqn);
  }

  /**
   * Adds (or replaces) a follow of `session` and queues its snapshot, then `subok`. A bad pattern,
   * a pattern its rules do not let it read, or a follow over the limit gets an `err` with the sid.
   */
  follow(session: Session, message: SubMessage): void {
    let tokens: readonly string[];
    try {
      tokens = parsePattern(message.pattern).tokens;
    } catch (error) {
      session.send(errMessage(error, { sid: message.sid }));
      return;
    }
    if (session.access && !session.access.canFollow(tokens)) {
      this.counters.refused++;
      session.send(errMessage(new ForbiddenError(`not allowed to read ${message.pattern}`), { sid: message.sid }));
      return;
    }
    if (!session.follows.has(message.sid) && session.follows.size >= this.limits.maxFollowsPerConnection) {
      this.counters.refused++;
      session.send(
        errMessage(new LimitError(`at most ${this.limits.maxFollowsPerConnection} follows per connection`), { sid: message.sid }),
      );
      return;
    }
    this.unfollow(session, message.sid);
    const follow: SessionFollow = { session, sid: message.sid, tokens };
    session.addFollow(follow);
    this.trie.add(tokens, follow);
    const since = message.since !== undefined && message.epoch === this.store.epoch ? message.since : undefined;
    for (const record of this.store.records()) {
      if (since === undefined ? record.deleted : record.rev <= since) continue;
      // A resync (`since`) skips the client's own writes: it has them (as live routing never echoes them).
      if (since !== undefined && record.from === session.id) continue;
      const recordTokens = this.fqnTokens.of(record.fqn);
      if (!patternMatches(tokens, recordTokens)) continue;
      if (session.access && !session.access.canRead(record.fqn, recordTokens)) continue;
      session.queueState(record);
    }
    session.send({ t: 'subok', sid: message.sid, rev: this.store.rev });
  }

  /** Removes a follow of `session` (none with that sid: nothing happens). */
  unfollow(session: Session, sid: number): void {
    const follow = session.follows.get(sid);
    if (!follow) return;
    session.follows.delete(sid);
    this.trie.remove(follow.tokens, follow);
  }

  /** Removes every follow of `session` (it closed). */
  forget(session: Session): void {
    for (const follow of session.follows.values()) this.trie.remove(follow.tokens, follow);
    session.follows.clear();
  }

  /** Whether `session` may be sent the state of `fqn`, a var the store holds (no rules: yes). */
  mayRead(session: Session, fqn: string): boolean {
    return session.access === undefined || session.access.canRead(fqn, this.fqnTokens.of(fqn));
  }

  /**
   * Queues an accepted write for every follower but its writer (serialized once, when the first
   * follower needs it); a follower whose outbox was empty is flushed as `frame` ends.
   * @param writer - the session that wrote it (undefined: a write made on the hub).
   * @param frame - the frame being processed, if any (else the outboxes flush themselves).
   */
  route(record: StoreRecord, writer: Session | undefined, frame: FrameWork | undefined): void {
    let serialized: string | undefined;
    const tokens = this.fqnTokens.of(record.fqn);
    this.trie.forEachMatch(tokens, (follow) => {
      const session = follow.session;
      if (session === writer) return;
      if (session.access && !session.access.canRead(record.fqn, tokens)) return;
      serialized ??= recordText(record);
      if (frame !== undefined && session.outbox.size === 0) frame.flush.push(session);
      session.queueState(record, serialized);
      this.counters.valuesRouted++;
    });
  }
}
