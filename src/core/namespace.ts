import type { Observable } from 'rxjs';
import { joinFqn } from './names.js';
import type { NsFrontier } from './pattern-trie.js';
import type { Space } from './space.js';
import type { SpaceEvent } from './space-event.js';
import type { Var, VarHost } from './var.js';

/**
 * A node of the namespace tree: holds vars and child namespaces. Get one from
 * `space.createNs(name)` or `space.findNs(name)`.
 *
 * @example
 * const buttons = space.createNs('ui.buttons');
 * buttons.intern('b1', { pressed: false });
 */
export class Namespace {
  /** Dotted name, e.g. `ui.buttons`. */
  readonly name: string;
  /** The parent namespace, or `undefined` at the top. */
  readonly parent: Namespace | undefined;
  /** @internal the name's tokens. */
  readonly tokens: readonly string[];
  /** @internal child namespaces by their last token. */
  readonly childMap = new Map<string, Namespace>();
  /** @internal where this namespace leads in the space's listener trie (a cache, see NsFrontier). */
  listenerFrontier: NsFrontier<(event: SpaceEvent) => void> | undefined = undefined;
  // Vars are linked through `Var.nsPrev`/`Var.nsNext` rather than kept in a Map by name: the space
  // already finds them by FQN, and a per-namespace Map entry plus a name string per var cost
  // about as much time as the var itself when interning many.
  /** @internal first var, in interning order. */
  firstVar: Var<any> | undefined = undefined;
  /** @internal last var, in interning order. */
  lastVar: Var<any> | undefined = undefined;
  /** @internal the space it belongs to (operators use it to follow a var by its FQN). */
  readonly space: Space;
  /** @internal what its vars need from the space. */
  readonly host: VarHost;

  /** @internal use `space.createNs`. */
  constructor(space: Space, name: string, tokens: readonly string[], parent: Namespace | undefined) {
    this.space = space;
    this.host = space.host;
    this.name = name;
    this.tokens = tokens;
    this.parent = parent;
  }

  /** Direct child namespaces. */
  children(): Namespace[] {
    return [...this.childMap.values()];
  }

  /** Vars directly in this namespace, in interning order. */
  vars(): Var<any>[] {
    const found: Var<any>[] = [];
    for (let target = this.firstVar; target; target = target.nsNext) found.push(target);
    return found;
  }

  /** The var called `name` here, or `undefined`. @throws {NameError} for a bad name. */
  find<T = unknown>(name: string): Var<T> | undefined {
    return this.space.resolve<T>(joinFqn(this.name, name));
  }

  /** Links a new var at the end. @internal */
  linkVar(target: Var<any>): void {
    target.nsPrev = this.lastVar;
    if (this.lastVar) this.lastVar.nsNext = target;
    else this.firstVar = target;
    this.lastVar = target;
  }

  /** Unlinks a var. @internal */
  unlinkVar(target: Var<any>): void {
    const { nsPrev, nsNext } = target;
    if (nsPrev) nsPrev.nsNext = nsNext;
    else this.firstVar = nsNext;
    if (nsNext) nsNext.nsPrev = nsPrev;
    else this.lastVar = nsPrev;
    target.nsPrev = target.nsNext = undefined;
  }

  /**
   * Interns `name` in this namespace (see `space.intern`).
   * @throws {NameError} for a bad name; {@link ValidationError} when a given value is refused.
   */
  intern<T = unknown>(name: string, ...value: [] | [T]): Var<T> {
    return this.space.intern<T>(joinFqn(this.name, name), ...value);
  }

  /** Events of this namespace and every descendant. */
  get events$(): Observable<SpaceEvent> {
    return this.space.events$(`${this.name}.>`);
  }

  /** Vars of the whole subtree now, then every var interned in it later. */
  vars$(): Observable<Var<any>> {
    return this.space.vars$(`${this.name}.>`);
  }
}
