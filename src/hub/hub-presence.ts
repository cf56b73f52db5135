import { BehaviorSubject, defer, type Observable } from 'rxjs';
import type { Space } from '../core/space.js';
import type { InstanceInfo } from '../identity/instance-info.js';
import type { Session } from './session.js';

/** The namespace of the hub's presence vars: `$sys.instances/<instance id>`, one per live instance. */
const SYS_INSTANCES = '$sys.instances';
/** The prefix of every presence var's name. */
export const INSTANCES_PREFIX = `${SYS_INSTANCES}/`;

/** Writes made on the hub: stamped by its clock, stored and routed like a client's (see `Writes`). @internal */
export interface LocalWrites {
  /** The hub wrote `value` to `fqn` (the var is in its space already). */
  localWrite(fqn: string, value: unknown): void;
  /** The hub unmapped `fqn` (it is gone from its space already). */
  localUnmap(fqn: string): void;
}

/**
 * The hub's presence: a `$sys.instances/<id>` var per live instance (written by the hub, routed
 * to followers of `$sys.>` like any var), and `Hub.instances$`, the list of them, made again at
 * most once per turn of the event loop and only while someone listens. @internal
 *
 * @example
 * const presence = new HubPresence(space, writes);
 * presence.publish(session); // on welcome
 * presence.instances$.subscribe((list) => console.log(list.length));
 */
export class HubPresence {
  private readonly subject = new BehaviorSubject<InstanceInfo[]>([]);
  /** The instances changed since the last list. */
  private changed = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly space: Space,
    private readonly writes: LocalWrites,
  ) {}

  /**
   * The connected instances, now and on every change (changes made in one turn of the event loop
   * come as one list: a burst of joins costs one list, not one per join).
   */
  get instances$(): Observable<InstanceInfo[]> {
    return defer(() => {
      this.emitNow();
      return this.subject.asObservable();
    });
  }

  /** A session was welcomed: its presence var is written (and stored, and routed). */
  publish(session: Session): void {
    const info = session.instanceInfo;
    const fqn = `${INSTANCES_PREFIX}${session.id}`;
    // The presence var gets no write hook (memory every idle connection would pay for): the hub stores it itself.
    this.space.ensure(fqn, { system: true }, info);
    this.writes.localWrite(fqn, info);
    this.touch();
  }

  /** A live session left: its presence var is unmapped (a local unmap: stored as deleted, routed). */
  unpublish(session: Session): void {
    this.space.unmap(`${INSTANCES_PREFIX}${session.id}`);
    this.touch();
  }

  /** The instances changed: the list is made again when someone wants it (once per turn at most). */
  touch(): void {
    this.changed = true;
    if (this.timer !== undefined || !this.subject.observed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.emitNow();
    }, 0);
    this.timer.unref?.();
  }

  private emitNow(): void {
    if (!this.changed) return;
    this.changed = false;
    const list: InstanceInfo[] = [];
    for (const target of this.space.match(`${SYS_INSTANCES}/*`)) if (target.bound) list.push(target.getValue() as InstanceInfo);
    this.subject.next(list);
  }

  /** Emits the last list and completes `instances$` (the hub closes). */
  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.emitNow();
    this.subject.complete();
  }
}
