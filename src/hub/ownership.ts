import type { Space } from '../core/space.js';

/** What happens to an owner's vars when it leaves (the hub option `ownership`). */
export interface OwnershipOptions {
  /** How long an owner may be gone before its vars go (default 10 s). */
  readonly graceMs?: number;
  /** Unmap its vars (default), or mark them stale in their meta. */
  readonly onLeave?: 'unmap' | 'stale';
}

/**
 * Owned vars, gproc-style: a var written with `owned` belongs to its writer's instance (its meta
 * says `owner`); an owner that leaves and does not come back within the grace time takes its vars
 * with it (unmapped, or marked stale). @internal
 *
 * @example
 * const ownership = new Ownership(space, { graceMs: 5_000 });
 * ownership.claim('jobs/42', session.id);
 * ownership.left(session.id); // a timer starts
 * ownership.returned(session.id); // and stops
 */
export class Ownership {
  /** The owner instance of each owned var. */
  private readonly owners = new Map<string, string>();
  /** The grace timer of each owner that left. */
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly graceMs: number;
  private readonly onLeave: 'unmap' | 'stale';

  constructor(
    private readonly space: Space,
    options: OwnershipOptions = {},
  ) {
    this.graceMs = options.graceMs ?? 10_000;
    this.onLeave = options.onLeave ?? 'unmap';
  }

  /** Makes `instanceId` the owner of `fqn` (a var of the hub's space: its meta says so). */
  claim(fqn: string, instanceId: string): void {
    if (this.owners.get(fqn) === instanceId) return;
    this.owners.set(fqn, instanceId);
    const target = this.space.resolve(fqn);
    if (target) target.resetMeta({ ...target.meta, owner: instanceId });
  }

  /** An instance came back (or joined): its vars stay. */
  returned(instanceId: string): void {
    const timer = this.timers.get(instanceId);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(instanceId);
  }

  /** An instance left: if it owns vars, they go unless it comes back within the grace time. */
  left(instanceId: string): void {
    if (![...this.owners.values()].includes(instanceId)) return;
    const timer = setTimeout(() => this.expire(instanceId), this.graceMs);
    timer.unref?.();
    this.timers.set(instanceId, timer);
  }

  private expire(instanceId: string): void {
    this.timers.delete(instanceId);
    for (const [fqn, owner] of [...this.owners]) {
      if (owner !== instanceId) continue;
      this.owners.delete(fqn);
      const target = this.space.resolve(fqn);
      if (!target) continue;
      if (this.onLeave === 'unmap') this.space.unmap(fqn);
      else target.resetMeta({ ...target.meta, owner: instanceId, stale: true });
    }
  }

  /** Stops every grace timer (the hub closes). */
  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
