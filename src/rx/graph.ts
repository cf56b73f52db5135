// Internal plumbing shared by `derive` and `combineVars`: following a var by its FQN, and
// ranking reactions so that a batch runs them in dependency order (glitch-free). Not exported
// from the package.
import { Subscriber, type Subscription } from 'rxjs';
import type { Batch, Reaction } from '../core/batch.js';
import { NameError } from '../core/errors.js';
import { parseFqn } from '../core/names.js';
import type { Namespace } from '../core/namespace.js';
import type { Space } from '../core/space.js';
import type { Var } from '../core/var.js';

/** A var, or the FQN of one (followed by path: waits for it, follows it across unmap + intern). */
export type VarRef<T> = string | Var<T>;

/** The space a var lives in. */
export function spaceOf(target: Var<any>): Space {
  return (target.namespace as Namespace).space;
}

/** Validates a var-or-FQN argument and returns where to follow it. @throws {NameError} */
export function locate(ref: unknown, space: Space, what: string): { space: Space; fqn: string } {
  if (typeof ref === 'string') {
    parseFqn(ref, { system: true });
    return { space, fqn: ref };
  }
  if (ref !== null && typeof ref === 'object' && typeof (ref as Var<any>).fqn === 'string' && (ref as Var<any>).namespace) {
    const target = ref as Var<any>;
    return { space: spaceOf(target), fqn: target.fqn };
  }
  throw new NameError(`${what} must be an FQN string or a Var, got ${ref === null ? 'null' : typeof ref}`);
}

// Bumped whenever the dependency graph may have changed (a source attached or detached, a
// derived var defined or released); ranks are cached per epoch.
let epoch = 0;

/** Called when edges of the graph change. */
export function graphChanged(): void {
  epoch++;
}

const nodesByVar = new WeakMap<Var<any>, Node>();

/** Rank of a var: 0 for a plain var, its node's rank for a derived var. */
export function rankOf(target: Var<any> | undefined): number {
  if (target === undefined) return 0;
  const node = nodesByVar.get(target);
  return node === undefined ? 0 : node.rank;
}

/** Marks `target` as computed by `node` (or as plain again with `undefined`). */
export function setNode(target: Var<any>, node: Node | undefined): void {
  if (node) nodesByVar.set(target, node);
  else nodesByVar.delete(target);
  graphChanged();
}

/** The node that computes `target`, if it is derived. */
export function nodeOf(target: Var<any>): Node | undefined {
  return nodesByVar.get(target);
}

/**
 * Follows one source by path: attaches to the var at `fqn` when it exists (now or when it is
 * interned), detaches when it is unmapped, and keeps the latest bound value it saw.
 */
export class Source {
  target: Var<any> | undefined = undefined;
  value: unknown = undefined;
  hasValue = false;
  /** Set on each value; readers may clear it to see what changed since. */
  dirty = false;
  private inner: Subscription | undefined = undefined;
  private events: Subscription | undefined = undefined;

  constructor(
    readonly space: Space,
    readonly fqn: string,
    private readonly node: Node,
  ) {}

  start(): void {
    this.events = this.space.events$(this.fqn).subscribe((event) => {
      if (event.type === 'var-interned') {
        const found = this.space.resolve(this.fqn);
        if (found) this.attach(found);
      } else if (event.type === 'var-unmapped') this.detach();
    });
    const found = this.space.resolve(this.fqn);
    if (found) this.attach(found);
  }

  private attach(target: Var<any>): void {
    this.inner?.unsubscribe();
    this.target = target;
    graphChanged();
    this.inner = target.subscribe(new SourceSubscriber(this, target));
  }

  /** A bound value of the attached var. */
  receive(value: unknown): void {
    this.value = value;
    this.dirty = true;
    if (!this.hasValue) {
      this.hasValue = true;
      this.node.missing--;
    }
    this.node.schedule();
  }

  private detach(): void {
    this.inner?.unsubscribe();
    this.inner = undefined;
    this.target = undefined;
    graphChanged();
  }

  stop(): void {
    this.events?.unsubscribe();
    this.events = undefined;
    this.detach();
  }
}

// A Subscriber subclass goes straight to `_next` (no SafeSubscriber layers): these run on
// every write of every source.
class SourceSubscriber extends Subscriber<unknown> {
  constructor(
    private readonly source: Source,
    private readonly target: Var<any>,
  ) {
    super();
  }

  protected override _next(value: unknown): void {
    if (this.target.bound) this.source.receive(value);
  }
}

/**
 * A reaction over several sources: runs once per batch in which any source changed, after
 * every source of lower rank. Its rank is 1 + the highest rank of the vars it reads now.
 */
export class Node implements Reaction {
  queued = false;
  closed = false;
  /** Sources that have no value yet. */
  missing: number;
  readonly sources: Source[];
  private cachedRank = 1;
  private cachedEpoch = -1;
  private ranking = false;

  constructor(
    private readonly batch: Batch,
    refs: readonly { space: Space; fqn: string }[],
    private readonly compute: (node: Node) => void,
  ) {
    this.sources = refs.map((ref) => new Source(ref.space, ref.fqn, this));
    this.missing = this.sources.length;
  }

  get rank(): number {
    if (this.cachedEpoch === epoch) return this.cachedRank;
    if (this.ranking) return 0; // a cycle; derive refuses to build one, so this is only a guard
    this.ranking = true;
    let highest = 0;
    try {
      for (const source of this.sources) {
        const rank = rankOf(source.target);
        if (rank > highest) highest = rank;
      }
    } finally {
      this.ranking = false;
    }
    this.cachedRank = highest + 1;
    this.cachedEpoch = epoch;
    return this.cachedRank;
  }

  /** Queues the reaction; outside any batch, runs it now (in a batch of its own). */
  schedule(): void {
    if (this.closed) return;
    const batch = this.batch;
    if (batch.depth > 0) batch.enqueue(this);
    else batch.run(() => batch.enqueue(this));
  }

  run(): void {
    if (this.closed || this.missing > 0) return;
    this.compute(this);
  }

  /** Attaches every source inside one batch, so that the first computation runs once. */
  start(): void {
    this.batch.run(() => {
      for (const source of this.sources) {
        if (this.closed) break;
        source.start();
      }
      if (this.sources.length === 0) this.batch.enqueue(this);
    });
  }

  stop(): void {
    this.closed = true;
    for (const source of this.sources) source.stop();
  }
}
