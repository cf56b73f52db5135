import { ConflictError, ForbiddenError, LimitError, ReservedNameError, ValidationError, VarspaceError } from '../core/errors.js';
import { parseFqn } from '../core/names.js';
import { compareWrites, type HybridClock } from '../wire/hybrid-clock.js';
import type { CasMessage, ClientMessage, DelMessage, ErrMessage, PubMessage, PubsMessage } from '../wire/messages.js';
import { errMessage } from '../wire/remote-error.js';
import type { SharedWrites } from './cluster.js';
import type { Durability } from './durability.js';
import type { FrameWork } from './frame-work.js';
import type { HubCounters } from './hub-counters.js';
import type { LocalWrites } from './hub-presence.js';
import { checkValueLimits, type ResolvedLimits } from './limits.js';
import type { Logger } from './logger.js';
import type { Ownership } from './ownership.js';
import { currentOf, type Current } from './record-text.js';
import type { Router } from './router.js';
import type { Session } from './session.js';
import type { SpaceMirror } from './space-mirror.js';
import type { StampLimit } from './stamp-limit.js';
import type { Store, StoreRecord } from './store.js';

/** What {@link Writes} works with: the hub's parts a write passes through. @internal */
export interface WritesParts {
  /** The hub's instance id: the `from` of writes made on the hub. */
  readonly hubId: string;
  readonly store: Store;
  readonly clock: HybridClock;
  readonly stampLimit: StampLimit;
  readonly limits: ResolvedLimits;
  readonly counters: HubCounters;
  readonly logger: Logger;
  readonly mirror: SpaceMirror;
  readonly router: Router;
  readonly durability: Durability;
  readonly ownership: Ownership;
  /** With a shared store (a cluster): where accepted writes go instead of the local put and route. */
  readonly cluster?: SharedWrites;
}

/**
 * The hub's one write path, for clients' writes (`pub`, `pubs`, `cas`, `del`) and writes made on
 * the hub alike: admit (name, rules, limits, app-type contract, stamp), compare with the held
 * write (last writer wins by stamp, then by writer id), commit — mirror into the hub's space
 * (where validators may refuse it), put in the store, route to followers. Who wrote it is data:
 * the record's `from` and the writing session (none for the hub's own writes). @internal
 *
 * @example
 * const writes = new Writes({ hubId, store, clock, stampLimit, limits, counters, logger, mirror, router, durability, ownership });
 * writes.pub(session, { t: 'pub', fqn: 'ui.buttons/b1', value: 1, stamp });
 */
export class Writes implements LocalWrites {
  /** The frame being processed, if any (see {@link openFrame}). */
  private frame: FrameWork | undefined;
  private readonly hubId: string;
  private readonly store: Store;
  private readonly clock: HybridClock;
  private readonly stampLimit: StampLimit;
  private readonly limits: ResolvedLimits;
  private readonly counters: HubCounters;
  private readonly logger: Logger;
  private readonly mirror: SpaceMirror;
  private readonly router: Router;
  private readonly durability: Durability;
  private readonly ownership: Ownership;
  private readonly cluster: SharedWrites | undefined;

  constructor(parts: WritesParts) {
    ({
      hubId: this.hubId,
      store: this.store,
      clock: this.clock,
      stampLimit: this.stampLimit,
      limits: this.limits,
      counters: this.counters,
      logger: this.logger,
      mirror: this.mirror,
      router: this.router,
      durability: this.durability,
      ownership: this.ownership,
      cluster: this.cluster,
    } = parts);
  }

  /** Starts a frame: until {@link closeFrame}, its followers' flushes and its plain writes' mirroring wait for its end. */
  openFrame(): FrameWork {
    this.stampLimit.refresh();
    return (this.frame = { flush: [], mirrors: [] });
  }

  /** Ends the frame opened last (its work is the caller's to do now). */
  closeFrame(): void {
    this.frame = undefined;
  }

  /** A `pub`: with a `ref` it is acked, and `owned` makes the writer the var's owner. */
  pub(session: Session, message: PubMessage): void {
    const { ref } = message;
    const record = this.accepted(session, message.fqn, message.value, message.stamp, ref);
    if (record === undefined) return;
    if (ref === undefined && !message.owned) {
      this.commitPlain(session, record);
      return;
    }
    if (!this.commit(session, record, ref)) return;
    if (message.owned) this.ownership.claim(record.fqn, session.id);
    if (ref !== undefined) this.durability.ack(session, ref, record);
  }

  /** Each write of the batch as a plain `pub` of its own: one refused write does not stop the others. */
  pubs(session: Session, message: PubsMessage): void {
    for (const [fqn, stamp, value] of message.w) {
      if (session.closed) return;
      try {
        const record = this.accepted(session, fqn, value, stamp, undefined);
        if (record !== undefined) this.commitPlain(session, record);
      } catch (error) {
        this.refused(session, error, { fqn, stamp });
      }
    }
  }

  /** A compare-and-set: applied only if the held revision is the expected one (none: 0). */
  cas(session: Session, message: CasMessage): void {
    const current = this.admit(session, message.fqn, message.value, message.stamp);
    const revision = current && !current.deleted ? current.rev : 0;
    if (revision !== message.rev) {
      this.counters.refused++;
      const error = new ConflictError(`${message.fqn}: expected revision ${message.rev}, it is ${revision}`);
      session.send(errMessage(error, { ref: message.ref, fqn: message.fqn, ...this.currentFor(session, current) }));
      return;
    }
    if (current && compareWrites(message.stamp, session.id, current.stamp, current.from) <= 0) {
      // The writer's clock is behind the held write (it never saw it). The hub does not stamp the
      // write itself: a stamp it made up under the writer's id could equal one of the writer's own
      // later stamps, and two different writes with one (stamp, from) never converge. So: the
      // held state (the writer's clock observes it), then a conflict that names the expected
      // revision; the link stamps again and retries.
      this.counters.refused++;
      if (this.router.mayRead(session, message.fqn)) session.queueState(current);
      const error = new ConflictError(
        `${message.fqn}: revision ${message.rev} matches, but the stamp is not newer than the held write; stamp again`,
      );
      session.send(errMessage(error, { ref: message.ref, fqn: message.fqn, ...this.currentFor(session, current) }));
      return;
    }
    const record: StoreRecord = {
      fqn: message.fqn,
      value: message.value,
      stamp: message.stamp,
      from: session.id,
      rev: this.store.rev + 1,
      deleted: false,
    };
    if (this.commit(session, record, message.ref, message.rev)) this.durability.ack(session, message.ref, record);
  }

  /** An unmap: stored as a tombstone (so that an older write cannot bring the var back). */
  del(session: Session, message: DelMessage): void {
    const current = this.admit(session, message.fqn, undefined, message.stamp, true);
    if (current && compareWrites(message.stamp, session.id, current.stamp, current.from) <= 0) {
      this.lost(session, current, message.ref);
      return;
    }
    const record: StoreRecord = {
      fqn: message.fqn,
      value: undefined,
      stamp: message.stamp,
      from: session.id,
      rev: this.store.rev + 1,
      deleted: true,
    };
    if (this.commit(session, record, message.ref) && message.ref !== undefined) this.durability.ack(session, message.ref, record);
  }

  /** Answers a message (or batch entry) that threw: a typed refusal, or an error that is logged too; the writer is corrected. */
  refused(session: Session, error: unknown, message: ClientMessage | { fqn: string; stamp: string }): void {
    if (error instanceof VarspaceError) this.counters.refused++;
    else {
      this.counters.errors++;
      this.logger.log('error', 'error', { instanceId: session.id, message: String((error as Error)?.message ?? error) });
    }
    session.send(errMessage(error, this.correction(session, message)));
  }

  /** A write made on the hub (its var holds `value` already): stamped by the hub's clock, stored and routed. */
  localWrite(fqn: string, value: unknown): void {
    this.commitLocal({ fqn, value, stamp: this.clock.tick(), from: this.hubId, rev: this.store.rev + 1, deleted: false });
  }

  /** An unmap made on the hub: stored as a tombstone and routed, if the store holds the var. */
  localUnmap(fqn: string): void {
    const current = this.store.get(fqn);
    if (current && !current.deleted)
      this.commitLocal({ fqn, value: undefined, stamp: this.clock.tick(), from: this.hubId, rev: this.store.rev + 1, deleted: true });
  }

  /**
   * Writes `record` again as the hub's, with a stamp of now (its value, or its tombstone): for a
   * record the hub cannot keep as it is (see `Hub`'s recovery).
   */
  restamp(record: StoreRecord): void {
    this.commitLocal({
      fqn: record.fqn,
      value: record.value,
      stamp: this.clock.tick(),
      from: this.hubId,
      rev: this.store.rev + 1,
      deleted: record.deleted,
    });
  }

  /**
   * Checks a client write before anything changes: name, permission, limits, app-type contract, stamp.
   * @returns the held record. @throws the typed refusal (the writer then gets the held state).
   */
  private admit(session: Session, fqn: string, value: unknown, stamp: string, deleting = false): StoreRecord | undefined {
    const current = this.store.get(fqn);
    let tokens: readonly string[];
    if (!current) {
      tokens = parseFqn(fqn).tokens;
      if (session.createdVars >= this.limits.maxVarsPerConnection)
        throw new LimitError(`at most ${this.limits.maxVarsPerConnection} vars per connection`, { fqn });
    } else {
      if (fqn.charCodeAt(0) === 36) throw new ReservedNameError(fqn);
      tokens = this.router.tokensOf(fqn);
    }
    if (session.access && !session.access.canWrite(tokens)) throw new ForbiddenError(`not allowed to write ${fqn}`, { fqn });
    if (!deleting) {
      checkValueLimits(fqn, value, session.frameBytes, this.limits);
      const schema = session.appType?.resources[tokens[tokens.length - 1]];
      if (schema) {
        const result = schema.safeParse(value);
        if (!result.success)
          throw new ValidationError(
            `${fqn}: breaks the ${session.appType!.name} contract: ${result.error.issues.map((i) => i.message).join('; ')}`,
            { fqn },
          );
      }
    }
    this.stampLimit.check(stamp, fqn);
    if (!current) session.createdVars++;
    return current;
  }

  /**
   * Admits a write of `value` and compares it with the held one.
   * @param ref - the request's ref: a write that lost is acked with the held state.
   * @returns the record to commit, or undefined when an older write lost (the writer is corrected, nothing changes).
   * @throws the typed refusal of {@link admit}.
   */
  private accepted(session: Session, fqn: string, value: unknown, stamp: string, ref: number | undefined): StoreRecord | undefined {
    const current = this.admit(session, fqn, value, stamp);
    if (current && compareWrites(stamp, session.id, current.stamp, current.from) <= 0) {
      this.lost(session, current, ref);
      return undefined;
    }
    return { fqn, value, stamp, from: session.id, rev: this.store.rev + 1, deleted: false };
  }

  /** An older write lost to the one held: correct the writer (if it may read it), ack a request, change nothing. */
  private lost(session: Session, current: StoreRecord, ref: number | undefined): void {
    if (this.router.mayRead(session, current.fqn)) session.queueState(current);
    if (ref !== undefined) this.durability.ack(session, ref, current);
  }

  /**
   * Commits a client's write, mirrored at once: a validator of the hub's space may refuse it (the
   * writer then gets an `err` with `ref`, and nothing changes).
   * @param expectedRev - a `cas`'s revision (a shared store checks it again against the shared truth).
   * @returns whether it was committed.
   */
  private commit(writer: Session, record: StoreRecord, ref: number | undefined, expectedRev?: number): boolean {
    this.clock.observeWellFormed(record.stamp); // checked by the wire schema
    try {
      this.mirror.apply(record);
    } catch (error) {
      this.counters.refused++;
      writer.send(
        errMessage(error, {
          fqn: record.fqn,
          ...(ref !== undefined ? { ref } : {}),
          ...this.currentFor(writer, this.store.get(record.fqn)),
        }),
      );
      return false;
    }
    this.settle(record, writer, expectedRev);
    return true;
  }

  /** A plain write (no `ref`, not owned): within a frame, and with no validator to judge it, it is mirrored as the frame ends. */
  private commitPlain(writer: Session, record: StoreRecord): void {
    if (this.frame === undefined || !this.mirror.defers(record.fqn)) {
      this.commit(writer, record, undefined);
      return;
    }
    this.clock.observeWellFormed(record.stamp);
    this.frame.mirrors.push(record);
    this.settle(record, writer);
  }

  /** Commits a write made on the hub: it is in the hub's space already. */
  private commitLocal(record: StoreRecord): void {
    this.clock.observeWellFormed(record.stamp); // made by this clock
    this.settle(record, undefined);
  }

  /** Stores an accepted write and routes it to every follower but its writer (a cluster routes what its store reports). */
  private settle(record: StoreRecord, writer: Session | undefined, expectedRev?: number): void {
    if (this.cluster !== undefined) {
      this.cluster.commit(record, writer, expectedRev);
      return;
    }
    this.durability.put(record, writer);
    this.router.route(record, writer, this.frame);
  }

  /** The held state of a var as an `err`'s `current`, if `session` may read it (a correction never leaks a value). */
  private currentFor(session: Session, held: StoreRecord | undefined): { current?: Current } {
    return held && !held.deleted && this.router.mayRead(session, held.fqn) ? { current: currentOf(held) } : {};
  }

  /** What a refused request's `err` carries so the writer is corrected: its ref, and the held state (if it may read it). */
  private correction(session: Session, message: ClientMessage | { fqn: string; stamp: string }): Partial<ErrMessage> {
    const extra: { ref?: number; fqn?: string; current?: Current; refused?: string } = {};
    if ('ref' in message && message.ref !== undefined) extra.ref = message.ref;
    if ('stamp' in message) extra.refused = message.stamp;
    if ('fqn' in message) {
      extra.fqn = message.fqn;
      Object.assign(extra, this.currentFor(session, this.store.get(message.fqn)));
    }
    return extra;
  }
}
