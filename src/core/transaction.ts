import type { Var } from './var.js';

interface Saved {
  readonly value: unknown;
  readonly version: number;
  origin: string | undefined;
}

/**
 * The writes of one `space.transact`: values are set at once, emissions wait for the
 * commit, and a rollback puts every var back as it was. @internal
 */
export class Transaction {
  private readonly saved = new Map<Var<any>, Saved>();

  /** Remembers the state of `target` before its first write in this transaction. */
  record(target: Var<any>, origin: string | undefined): void {
    const saved = this.saved.get(target);
    if (saved) {
      saved.origin = origin;
      return;
    }
    this.saved.set(target, { value: target.getValue(), version: target.version, origin });
  }

  /** Emits each written var once, its `old` being the value before the transaction. */
  commit(): void {
    for (const [target, saved] of this.saved) {
      if (!target.isUnmapped) target.emit(saved.value, saved.origin);
    }
  }

  /** Puts every written var back. */
  rollback(): void {
    for (const [target, saved] of this.saved) target.restore(saved.value, saved.version);
  }
}
