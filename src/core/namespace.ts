import type { Observable } from 'rxjs';
import { joinFqn } from './names.js';
import type { Space } from './space.js';
import type { SpaceEvent } from './space-event.js';
import type { Var } from './var.js';

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
  /** @internal vars by their name. */
  readonly varMap = new Map<string, Var<any>>();
  private readonly space: Space;

  /** @internal use `space.createNs`. */
  constructor(space: Space, name: string, tokens: readonly string[], parent: Namespace | undefined) {
    this.space = space;
    this.name = name;
    this.tokens = tokens;
    this.parent = parent;
  }

  /** Direct child namespaces. */
  children(): Namespace[] {
    return [...this.childMap.values()];
  }

  /** Vars directly in this namespace. */
  vars(): Var<any>[] {
    return [...this.varMap.values()];
  }

  /** The var called `name` here, or `undefined`. */
  find<T = unknown>(name: string): Var<T> | undefined {
    return this.varMap.get(name);
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
