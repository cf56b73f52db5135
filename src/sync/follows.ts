import { Subject, Subscription } from 'rxjs';
import { PatternTrie } from '../core/pattern-trie.js';
import type { Space } from '../core/space.js';
import type { Tagged } from '../rx/tagged.js';
import type { Outbox } from '../transport/outbox.js';
import { compareWrites, type HybridClock } from '../wire/hybrid-clock.js';
import type { GoneMessage, UpdsMessage } from '../wire/messages.js';
import type { Connection } from './connection.js';
import type { LinkSubscription } from './link.js';
import type { Replica, ReplicaRecord } from './replica.js';
import type { Requests } from './requests.js';
import { withSynced } from './with-synced.js';

interface Follow {
  readonly sid: number;
  readonly pattern: string;
  readonly tokens: readonly string[];
  readonly into: string | undefined;
  /** The hub revision to resume from (undefined until the follow is in step). */
  rev: number | undefined;
  synced: () => void;
}

/** Options of {@link Follows}. @internal */
export interface FollowsOptions {
  /** The connection the `sub`s leave through (and whose epoch they resume in). */
  readonly connection: Connection;
  /** The records updates are compared with and kept in. */
  readonly replica: Replica;
  /** Whether a request for a var is unanswered (a correction of it may then come with no follow). */
  readonly requests: Requests;
  /** The local space updates are written into. */
  readonly space: Space;
  /** Reports an error with no caller. */
  readonly fail: (error: unknown) => void;
}

/**
 * A link's follows: the `sub`s it holds at the hub, the trie that finds the follows of an
 * arriving update, the revision each resumes from after a reconnect, and the updates and
 * tombstones that arrive for them (written into the local space, tagged on `updates`). @internal
 *
 * @example
 * const sub = follows.follow('server.>', undefined);   // sends `sub`
 * await sub.synced;                                    // the hub's `subok`
 */
export class Follows {
  /** Every update that arrives from the hub, tagged (see `Link.updates$`). */
  readonly updates = new Subject<Tagged<unknown>>();
  /** Values received. */
  valuesIn = 0;
  private readonly follows = new Map<number, Follow>();
  private readonly trie = new PatternTrie<Follow>();
  private nextSid = 1;
  /** `sub`s sent on this transport and not answered yet: while any is, snapshot `upds` do not move follow revisions. */
  private subsInFlight = 0;
  /** Persisted follow revisions (pattern → rev in `restoredEpoch`): a follow of the same pattern resumes from there. */
  private restored = new Map<string, number>();
  private restoredEpoch = '';
  private readonly connection: Connection;
  private readonly outbox: Outbox;
  private readonly replica: Replica;
  private readonly clock: HybridClock;
  private readonly requests: Requests;
  private readonly space: Space;
  private readonly fail: (error: unknown) => void;

  constructor(options: FollowsOptions) {
    this.connection = options.connection;
    this.outbox = options.connection.outbox;
    this.replica = options.replica;
    this.clock = options.replica.clock;
    this.requests = options.requests;
    this.space = options.space;
    this.fail = options.fail;
  }

  /**
   * Follows `tokens` (the parsed `pattern`), mounted under `into` when given: see `Link.follow`.
   */
  follow(pattern: string, tokens: readonly string[], into: string | undefined): LinkSubscription {
    let synced!: () => void;
    const ready = new Promise<void>((resolve) => (synced = resolve));
    const restored = into === undefined && this.connection.epoch === this.restoredEpoch ? this.restored.get(pattern) : undefined;
    const follow: Follow = { sid: this.nextSid++, pattern, tokens, into, rev: restored, synced };
    this.follows.set(follow.sid, follow);
    this.trie.add(tokens, follow);
    this.sendSub(follow);
    const subscription = new Subscription(() => {
      if (!this.follows.delete(follow.sid)) return;
      this.trie.remove(tokens, follow);
      follow.synced();
      this.outbox.push(JSON.stringify({ t: 'unsub', sid: follow.sid }));
    });
    return withSynced(subscription, ready);
  }

  /** The hub's `subok`: the follow is in step from revision `rev`. */
  onSubOk(sid: number, rev: number): void {
    this.subsInFlight = Math.max(0, this.subsInFlight - 1);
    const follow = this.follows.get(sid);
    if (follow) {
      follow.rev = Math.max(follow.rev ?? 0, rev);
      follow.synced();
    }
  }

  /** The hub refused the `sub` of follow `sid` (the error is reported elsewhere). */
  onSubRefused(sid: number): void {
    this.subsInFlight = Math.max(0, this.subsInFlight - 1);
    this.follows.get(sid)?.synced();
  }

  /** Every entry of an `upds` message. */
  onUpdates(message: UpdsMessage): void {
    const from = message.from;
    for (const [fqn, stamp, rev, value] of message.u) this.onUpdate(fqn, stamp, rev, value, from);
  }

  /** A `gone`: a var unmapped at the hub (a tombstone). */
  onGone(message: GoneMessage): void {
    const { fqn, stamp, from, rev } = message;
    this.clock.observe(stamp);
    const record = this.replica.get(fqn);
    if (record && compareWrites(stamp, from, record.stamp, record.from) <= 0) return;
    const locals: string[] = [];
    this.trie.forEachMatch(
      this.replica.tokens.of(fqn),
      (follow) => void locals.push(follow.into === undefined ? fqn : `${follow.into}.${fqn}`),
    );
    // No follow: a correction of this link's own (older) write, as in onUpdate.
    if (locals.length === 0) {
      if (!this.mayBeCorrected(fqn, record) || !this.space.resolve(fqn)) return;
      locals.push(fqn);
    }
    this.replica.setTombstone(fqn, stamp, from, rev);
    for (const local of locals) this.space.unmap(local, { origin: from });
  }

  /**
   * At a welcome: in another hub state (a restart with a new store) every follow starts again
   * from revision 0 of the new epoch, tombstones included, so that a var unmapped there while
   * this link was away does not live on here.
   * @param restartRev - set when the same store is served by another hub process: revisions the
   *   previous one issued after what its store had made durable may have been issued again for
   *   other writes, so follows resume from this starting revision at the latest.
   */
  rebase(sameHubState: boolean, restartRev: number | undefined): void {
    for (const follow of this.follows.values()) {
      if (!sameHubState) follow.rev = 0;
      else if (restartRev !== undefined && follow.rev !== undefined && follow.rev > restartRev) follow.rev = restartRev;
    }
    if (!sameHubState) this.restored.clear();
    else if (restartRev !== undefined)
      for (const [pattern, rev] of this.restored) if (rev > restartRev) this.restored.set(pattern, restartRev);
  }

  /**
   * Takes the persisted revisions of the follows of an earlier run: a follow of one of these
   * patterns (with no `into`) resumes from its revision, while the hub state is still `epoch`.
   */
  restore(revisions: Readonly<Record<string, number>>, epoch: string): void {
    this.restored = new Map(Object.entries(revisions).filter(([, rev]) => Number.isSafeInteger(rev) && rev >= 0));
    this.restoredEpoch = epoch;
  }

  /** The revision each follow is in step up to, by pattern (for persistence; a follow with `into` is not persisted). */
  revisions(): Record<string, number> {
    const revisions: Record<string, number> = {};
    for (const [pattern, rev] of this.restored) revisions[pattern] = rev;
    for (const follow of this.follows.values())
      if (follow.into === undefined && follow.rev !== undefined) revisions[follow.pattern] = follow.rev;
    return revisions;
  }

  /** A new transport: nothing sent on the earlier one will be answered. */
  onTransport(): void {
    this.subsInFlight = 0;
  }

  /** After a reconnect: follows again from the last revision seen. */
  resubscribe(): void {
    for (const follow of this.follows.values()) this.sendSub(follow);
  }

  /** After a dropped frame: follows again if a `sub` may have been in it. */
  resendInFlight(): void {
    if (this.subsInFlight > 0) this.resubscribe();
  }

  /** The link closed: whoever waits for a follow's first state stops waiting. */
  close(): void {
    for (const follow of this.follows.values()) follow.synced();
  }

  private sendSub(follow: Follow): void {
    // A follow not yet in step, of vars this link already holds state of (it followed them
    // before, or wrote them), starts from revision 0: the hub then also sends the tombstones of
    // vars unmapped meanwhile.
    const rev = follow.rev ?? (this.replica.knowsAny(follow.tokens) ? 0 : undefined);
    const epoch = this.connection.epoch;
    const since = rev !== undefined && epoch ? { since: rev, epoch } : {};
    this.subsInFlight++;
    this.outbox.push(JSON.stringify({ t: 'sub', sid: follow.sid, pattern: follow.pattern, ...since }));
  }

  private onUpdate(fqn: string, stamp: string, rev: number, value: unknown, from: string): void {
    this.clock.observeWellFormed(stamp); // checked by isUpdEntry
    const record = this.replica.get(fqn);
    const follows: Follow[] = [];
    this.trie.forEachMatch(this.replica.tokens.of(fqn), (follow) => follows.push(follow));
    // A snapshot arrives in no particular revision order (and may be cut off by a drop): only
    // live updates, which come in revision order, may move a follow's resume point.
    if (this.subsInFlight === 0) for (const follow of follows) if (follow.rev !== undefined && rev > follow.rev) follow.rev = rev;
    if (record && compareWrites(stamp, from, record.stamp, record.from) <= 0) {
      if (record.stamp === stamp && record.from === from) record.rev = rev;
      return;
    }
    // No follow takes it: the hub corrects a write of this link that it ignored (an older one).
    // The var takes the held value, as a follower's would; with no var here, nothing is recorded,
    // so that a later follow still brings the value. Anything else is an update that was on its
    // way when its follow ended: dropped.
    const corrected = follows.length === 0 && this.mayBeCorrected(fqn, record) ? this.space.resolve(fqn) : undefined;
    if (follows.length === 0 && !corrected) return;
    this.replica.setValue(fqn, stamp, from, rev, record);
    this.valuesIn++;
    for (const follow of follows) {
      const local = follow.into === undefined ? fqn : `${follow.into}.${fqn}`;
      try {
        this.space.ensure(local, { origin: from, system: true }, value);
      } catch (error) {
        this.fail(error);
      }
    }
    if (corrected) {
      try {
        this.space.ensure(fqn, { origin: from, system: true }, value);
      } catch (error) {
        this.fail(error);
      }
    }
    if (this.updates.observed) this.updates.next({ value, fqn, from, stamp });
  }

  /** Whether the hub may send this link a correction for `fqn`: its own write is the last it knows, or a request for it is unanswered. */
  private mayBeCorrected(fqn: string, record: ReplicaRecord | undefined): boolean {
    return this.replica.isOwn(record) || this.requests.awaits(fqn);
  }
}
