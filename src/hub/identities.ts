import { ForbiddenError, type VarspaceError } from '../core/errors.js';
import type { InstanceInfo } from '../identity/instance-info.js';
import type { Session } from './session.js';

/** Refuses a connection: an `err`, then a close with `closeCode`. @internal */
export type Refuse = (session: Session, error: VarspaceError, closeCode: number) => void;

/** A claim of a logical identity in a `hello` (see {@link Identities.mayCarry}). @internal */
export interface IdentityClaim {
  readonly identity: string;
  /** The `hello` said `takeover`: replace a live carrier. */
  readonly takeover: boolean;
  /** The connection this one replaces (a resume), which is not a rival carrier. */
  readonly stale: Session | undefined;
  /** The instance id the connection gets (a resumed one's presence elsewhere is its own, not a rival's). */
  readonly id?: string;
}

/**
 * Who is who among a hub's connections: the live instance ids and their sessions, the ids that
 * left less than `resumeTtlMs` ago (a resume of one with a wrong token is refused rather than
 * given a fresh id), and which session carries which logical identity. @internal
 *
 * @example
 * const identities = new Identities(300_000, refuse);
 * if (identities.mayResume(session, claimed, verified)) identities.join(session);
 */
export class Identities {
  private readonly live = new Map<string, Session>();
  /** Instance ids live or departed less than `resumeTtlMs` ago (the timer forgets a departed one). */
  private readonly remembered = new Map<string, ReturnType<typeof setTimeout> | undefined>();

  /** Instances live on other hubs of a cluster (see `Cluster`): a claim of an identity one of them carries is checked against it too. */
  remote: { holderOf(identity: string): InstanceInfo | undefined } | undefined;

  constructor(
    private readonly resumeTtlMs: number,
    private readonly refuse: Refuse,
  ) {}

  /** How many instances are live. */
  get size(): number {
    return this.live.size;
  }

  /** The sessions of the live instances. */
  sessions(): IterableIterator<Session> {
    return this.live.values();
  }

  /** The session of a live instance id, if any. */
  sessionOf(id: string): Session | undefined {
    return this.live.get(id);
  }

  /**
   * Checks a resume of the instance id `claimed`: without the right token (`verified`), an id
   * that is live or remembered is refused (4003); any other is given a fresh id by the caller.
   * @returns whether the handshake goes on.
   */
  mayResume(session: Session, claimed: string, verified: boolean): boolean {
    if (verified) return true;
    if (this.live.has(claimed)) {
      this.refuse(session, new ForbiddenError(`instance id ${claimed} is live on another connection`), 4003);
      return false;
    }
    if (this.remembered.has(claimed)) {
      this.refuse(session, new ForbiddenError(`wrong resume token for instance ${claimed}`), 4003);
      return false;
    }
    return true;
  }

  /**
   * Checks a claim of a logical identity: on a hub with rules, the connection's `identities` must
   * list it; a live carrier is replaced (4009) only on `takeover`, and only by the same principal
   * (anonymous is one principal) or one whose rules list the identity. Refuses (4003) otherwise.
   * @returns whether the handshake goes on.
   */
  mayCarry(session: Session, claim: IdentityClaim): boolean {
    const { identity } = claim;
    if (session.access && !session.access.canClaim(identity)) {
      this.refuse(session, new ForbiddenError(`not allowed to carry identity ${identity}`), 4003);
      return false;
    }
    let holder: Session | undefined;
    for (const other of this.live.values()) if (other !== claim.stale && other.attributes.identity === identity) holder = other;
    if (!holder) return this.mayReplaceRemote(session, claim);
    if (!claim.takeover) {
      this.refuse(
        session,
        new ForbiddenError(`identity ${identity} is carried by live instance ${holder.id} (say takeover to replace it)`),
        4003,
      );
      return false;
    }
    if (holder.principalName !== session.principalName && !session.access?.canClaim(identity)) {
      this.refuse(session, new ForbiddenError(`identity ${identity} is carried by another principal's instance`), 4003);
      return false;
    }
    this.refuse(holder, new ForbiddenError(`identity ${identity} was taken over by a new instance`), 4009);
    return true;
  }

  /** A claim no local instance holds: one on another hub of the cluster is replaced (by its hub, once it sees the new presence) only on `takeover`, as a local one. */
  private mayReplaceRemote(session: Session, claim: IdentityClaim): boolean {
    const holder = this.remote?.holderOf(claim.identity);
    if (!holder || holder.instanceId === claim.id) return true;
    if (!claim.takeover) {
      this.refuse(
        session,
        new ForbiddenError(`identity ${claim.identity} is carried by live instance ${holder.instanceId} (say takeover to replace it)`),
        4003,
      );
      return false;
    }
    if (holder.principal !== session.principalName && !session.access?.canClaim(claim.identity)) {
      this.refuse(session, new ForbiddenError(`identity ${claim.identity} is carried by another principal's instance`), 4003);
      return false;
    }
    return true;
  }

  /** A welcomed session is live under its id (remembered until `resumeTtlMs` after it leaves). */
  join(session: Session): void {
    const forget = this.remembered.get(session.id);
    if (forget) clearTimeout(forget);
    this.remembered.set(session.id, undefined);
    this.live.set(session.id, session);
  }

  /**
   * A session closed.
   * @returns whether it was the live session of its instance (not one replaced, nor one never welcomed).
   */
  leave(session: Session): boolean {
    if (!session.welcomed || this.live.get(session.id) !== session) return false;
    this.live.delete(session.id);
    if (this.remembered.has(session.id)) {
      const timer = setTimeout(() => this.remembered.delete(session.id), this.resumeTtlMs);
      timer.unref?.();
      this.remembered.set(session.id, timer);
    }
    return true;
  }

  /** Forgets every departed id, for good (the hub closes: sessions that leave now are not remembered). */
  close(): void {
    for (const timer of this.remembered.values()) if (timer) clearTimeout(timer);
    this.remembered.clear();
  }
}
