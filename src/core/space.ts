import { Subject, filter, type Observable } from 'rxjs';
import { Batch } from './batch.js';
import { AbortedError, ReservedNameError, TimeoutError } from './errors.js';
import { checkFqn, flatName, joinFqn, parseFqn, parseNs, parsePattern } from './names.js';
import { Namespace } from './namespace.js';
import { PatternTrie } from './pattern-trie.js';
import { ReportingObservable } from './reporting.js';
import type { SpaceEvent, VarEvent } from './space-event.js';
import { Transaction } from './transaction.js';
import { Var, type VarHost } from './var.js';

type Listener = (event: SpaceEvent) => void;

/** Options of internal creation paths (links, hubs). @internal */
export interface EnsureOptions {
  /** Instance id of the remote process that caused the creation. */
  readonly origin?: string;
  /** Allow `$…` system names. */
  readonly system?: boolean;
}

const NO_OPTIONS: EnsureOptions = Object.freeze({});

/** Options of {@link Space.await}. */
export interface AwaitOptions {
  /** Reject with {@link TimeoutError} after this many milliseconds. */
  readonly timeoutMs?: number;
  /** Reject with {@link AbortedError} when aborted. */
  readonly signal?: AbortSignal;
}

/** Counts, for tests and monitoring. */
export interface SpaceStats {
  readonly namespaces: number;
  readonly vars: number;
  readonly listeners: number;
}

/**
 * One process's namespace tree, and the registry: an FQN names a var, `intern` creates it,
 * `resolve` finds it, and the tree announces what is created in it.
 *
 * @example
 * const space = new Space();
 * const b = space.intern('ui.buttons/b1', { pressed: false });
 * space.resolve('ui.buttons/b1') === b; // true
 */
export class Space {
  private readonly varsByFqn = new Map<string, Var<any>>();
  private readonly namespacesByName = new Map<string, Namespace>();
  private readonly topLevel = new Map<string, Namespace>();
  private readonly listenerTrie = new PatternTrie<Listener>();
  private readonly allListeners = new Set<Listener>();
  private readonly errorSubject = new Subject<unknown>();
  /** @internal what vars need from their space; namespaces hand it to their vars. */
  readonly host: VarHost;

  /** Errors from watches, subscribers, reactions and links that must not throw into the writer. */
  readonly errors$: Observable<unknown> = this.errorSubject.asObservable();

  constructor() {
    const report = (error: unknown) => this.report(error);
    this.host = {
      batch: new Batch(report),
      transaction: undefined,
      report,
      metaChanged: (target) => this.announceVar('meta-changed', target, undefined),
    };
  }

  /**
   * Finds or creates a namespace and its missing ancestors, announcing each new one (top first).
   * @throws {NameError} for a bad name; {@link ReservedNameError} for `$…`.
   */
  createNs(name: string): Namespace {
    return this.namespacesByName.get(name) ?? this.createNsFrom(parseNs(name), undefined);
  }

  /** The namespace called `name`, or `undefined`. @throws {NameError} for a bad name. */
  findNs(name: string): Namespace | undefined {
    const found = this.namespacesByName.get(name);
    if (!found) parseNs(name, { system: true });
    return found;
  }

  /** Top-level namespaces. */
  namespaces(): Namespace[] {
    return [...this.topLevel.values()];
  }

  /**
   * Returns the var at `fqn`, creating it (and its namespaces) if absent. With a value, sets it
   * (the validator runs). Always the same object for the same FQN until it is unmapped.
   *
   * @throws {NameError} for a bad FQN; {@link ReservedNameError} for `$…`; {@link ValidationError} when the value is refused.
   * @example const count = space.intern('app/count', 0);
   */
  intern<T = unknown>(fqn: string, ...value: [] | [T]): Var<T>;
  // One optional parameter and `arguments.length` rather than a rest array: no array per call.
  intern<T>(fqn: string, value?: T): Var<T> {
    const given = arguments.length > 1;
    const key = flatName(fqn);
    const found = this.varsByFqn.get(key) as Var<T> | undefined;
    if (found) {
      refuseReserved(key);
      if (given) found.reset(value as T);
      return found;
    }
    return this.create<T>(key, NO_OPTIONS, given, value);
  }

  /**
   * Like `intern`, for links and hubs: may create `$…` vars and records the remote origin. @internal
   */
  ensure<T = unknown>(fqn: string, options: EnsureOptions, value?: T): Var<T> {
    // Given or not is told by the argument count (as in `intern`): `undefined` is a value.
    const given = arguments.length > 2;
    const found = this.varsByFqn.get(fqn) as Var<T> | undefined;
    if (found) {
      if (given) found.write(value as T, options.origin);
      return found;
    }
    return this.create<T>(fqn, options, given, value);
  }

  private create<T>(fqn: string, options: EnsureOptions, given: boolean, value: T | undefined): Var<T> {
    const slash = checkFqn(fqn, options);
    const nsName = fqn.slice(0, slash);
    const namespace = this.namespacesByName.get(nsName) ?? this.createNsFrom(parseNs(nsName, options), options.origin);
    const created = new Var<T>(namespace, fqn);
    if (given) {
      // Inside a transaction the first value is a write like any other: a rollback unsets it.
      this.host.transaction?.record(created, options.origin);
      created.store(value as T);
    }
    namespace.linkVar(created);
    this.varsByFqn.set(fqn, created);
    this.announceVar('var-interned', created, options.origin);
    return created;
  }

  /**
   * Interns `fqn` and sets it from `init()` only if it is absent or unbound (the thunk runs at most once here).
   * @example const conn = space.defonce('remote.connections/server', () => ({ status: 'idle' }));
   */
  defonce<T>(fqn: string, init: () => T): Var<T> {
    const found = this.varsByFqn.get(fqn) as Var<T> | undefined;
    if (found) {
      refuseReserved(fqn);
      if (found.bound) return found;
    } else {
      checkFqn(fqn); // a bad or reserved name throws before `init` runs
    }
    return this.intern<T>(fqn, init());
  }

  /** The var at `fqn`, or `undefined`. @throws {NameError} for a bad FQN. */
  resolve<T = unknown>(fqn: string): Var<T> | undefined {
    const found = this.varsByFqn.get(fqn);
    if (!found) parseFqn(fqn, { system: true });
    return found;
  }

  /**
   * Removes the var: announces `var-unmapped` and completes it. A later `intern` makes a new var.
   * @returns whether there was a var. @throws {NameError} for a bad FQN.
   */
  unmap(fqn: string, options: EnsureOptions = {}): boolean {
    const found = this.varsByFqn.get(fqn);
    if (!found) {
      parseFqn(fqn, { system: true });
      return false;
    }
    this.removeVar(found, options.origin);
    return true;
  }

  private removeVar(target: Var<any>, origin: string | undefined): void {
    const namespace = target.namespace as Namespace;
    namespace.unlinkVar(target);
    this.varsByFqn.delete(target.fqn);
    this.announceVar('var-unmapped', target, origin);
    target.end();
  }

  /**
   * Removes a namespace, its descendants and all their vars (deepest first).
   * @returns whether it existed. @throws {NameError} for a bad name.
   */
  removeNs(name: string, options: EnsureOptions = {}): boolean {
    const found = this.findNs(name);
    if (!found) return false;
    this.removeNsTree(found, options.origin);
    (found.parent?.childMap ?? this.topLevel).delete(found.tokens[found.tokens.length - 1]);
    return true;
  }

  private removeNsTree(namespace: Namespace, origin: string | undefined): void {
    for (const child of namespace.childMap.values()) this.removeNsTree(child, origin);
    namespace.childMap.clear();
    for (const target of namespace.vars()) this.removeVar(target, origin);
    this.namespacesByName.delete(namespace.name);
    this.announceNs('ns-removed', namespace, origin);
  }

  /**
   * The vars that match `pattern` now.
   * @throws {NameError} for a bad pattern.
   * @example space.match('ui.>')
   */
  match(pattern: string): Var<any>[] {
    const { tokens } = parsePattern(pattern);
    const found: Var<any>[] = [];
    this.collect(undefined, tokens, 0, found);
    return found;
  }

  /**
   * The matching vars now, then each matching var interned later (no duplicates).
   * @throws {NameError} for a bad pattern (at call time).
   */
  vars$(pattern: string): Observable<Var<any>> {
    const { tokens } = parsePattern(pattern);
    return new ReportingObservable<Var<any>>((subscriber) => {
      const listener: Listener = (event) => {
        if (event.type !== 'var-interned') return;
        const created = this.varsByFqn.get(event.fqn);
        if (created) subscriber.next(created);
      };
      const existing: Var<any>[] = [];
      this.collect(undefined, tokens, 0, existing);
      this.listenerTrie.add(tokens, listener);
      for (const target of existing) {
        if (subscriber.closed) break;
        subscriber.next(target);
      }
      return () => this.listenerTrie.remove(tokens, listener);
    }, this.host.report);
  }

  /**
   * Space events, optionally filtered by a pattern (namespace events pass when the namespace
   * could hold a matching var).
   * @throws {NameError} for a bad pattern (at call time).
   * @example space.events$('ui.>').subscribe((e) => console.log(e.type))
   */
  events$(pattern?: string): Observable<SpaceEvent> {
    const tokens = pattern === undefined ? undefined : parsePattern(pattern).tokens;
    return new ReportingObservable<SpaceEvent>((subscriber) => {
      const listener: Listener = (event) => subscriber.next(event);
      if (tokens) {
        this.listenerTrie.add(tokens, listener);
        return () => this.listenerTrie.remove(tokens, listener);
      }
      this.allListeners.add(listener);
      return () => this.allListeners.delete(listener);
    }, this.host.report);
  }

  /**
   * Resolves with the var at `fqn` at once if it exists, else when it is interned.
   * @throws {NameError} for a bad FQN. Rejects with {@link TimeoutError} or {@link AbortedError}.
   * @example const v = await space.await('ui.buttons/b1', { timeoutMs: 1000 });
   */
  await<T = unknown>(fqn: string, options: AwaitOptions = {}): Promise<Var<T>> {
    const found = this.resolve<T>(fqn);
    if (found) return Promise.resolve(found);
    const { tokens } = parseFqn(fqn, { system: true });
    const { timeoutMs, signal } = options;
    if (signal?.aborted) return Promise.reject(new AbortedError(`await ${fqn} aborted`));
    return new Promise<Var<T>>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = () => {
        this.listenerTrie.remove(tokens, listener);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const listener: Listener = (event) => {
        if (event.type !== 'var-interned') return;
        cleanup();
        resolve(this.varsByFqn.get(fqn) as Var<T>);
      };
      const onAbort = () => {
        cleanup();
        reject(new AbortedError(`await ${fqn} aborted`));
      };
      this.listenerTrie.add(tokens, listener);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(new TimeoutError(`${fqn} was not interned within ${timeoutMs} ms`, { fqn, timeoutMs }));
        }, timeoutMs);
      }
    });
  }

  /**
   * Values of the var at `fqn`, even before it exists: waits for it, skips unbound values, and
   * follows it when it is unmapped and interned again (a path, not a reference).
   * @throws {NameError} for a bad FQN (at call time).
   * @example space.ref$<number>('app/count').subscribe(console.log)
   */
  ref$<T = unknown>(fqn: string): Observable<T> {
    const { tokens } = parseFqn(fqn, { system: true });
    return new ReportingObservable<T>((subscriber) => {
      let inner: { unsubscribe(): void } | undefined;
      const attach = (target: Var<T>) => {
        inner?.unsubscribe();
        inner = target.pipe(filter(() => target.bound)).subscribe({ next: (value) => subscriber.next(value) });
      };
      const listener: Listener = (event) => {
        if (event.type === 'var-interned') attach(this.varsByFqn.get(fqn) as Var<T>);
        else if (event.type === 'var-unmapped') {
          inner?.unsubscribe();
          inner = undefined;
        }
      };
      this.listenerTrie.add(tokens, listener);
      const found = this.varsByFqn.get(fqn) as Var<T> | undefined;
      if (found) attach(found);
      return () => {
        inner?.unsubscribe();
        this.listenerTrie.remove(tokens, listener);
      };
    }, this.host.report);
  }

  /**
   * Runs `fn` (synchronously) as one transaction: writes apply in order, emissions are held
   * until `fn` returns, then each written var emits its final value once and derived values
   * recompute once. If `fn` throws, every write is rolled back and nothing is emitted.
   * A nested `transact` joins the outer one.
   * @example space.transact(() => { a.reset(1); b.reset(2); });
   */
  transact<R>(fn: () => R): R {
    const host = this.host;
    if (host.transaction) return fn();
    const transaction = new Transaction();
    host.transaction = transaction;
    let result: R;
    try {
      result = fn();
    } catch (error) {
      host.transaction = undefined;
      transaction.rollback();
      throw error;
    }
    host.transaction = undefined;
    host.batch.run(() => transaction.commit());
    return result;
  }

  /** Counts of namespaces, vars and event listeners. */
  stats(): SpaceStats {
    return {
      namespaces: this.namespacesByName.size,
      vars: this.varsByFqn.size,
      listeners: this.listenerTrie.size + this.allListeners.size,
    };
  }

  /** Reports an error on `errors$` (never throws). @internal */
  report(error: unknown): void {
    try {
      this.errorSubject.next(error);
    } catch {
      // Only with RxJS's deprecated synchronous error handling does a throwing errors$
      // subscriber land here; otherwise RxJS reports it (config.onUnhandledError). Either way
      // it must not reach the writer.
    }
  }

  /** The batch that groups emissions (for `derive` and `combineVars`). @internal */
  get batch(): Batch {
    return this.host.batch;
  }

  /**
   * Collects the vars matching `tokens[i..]` from one place of the tree: the vars of `namespace`
   * may be named by token `i`, its children continue the path. The top of the tree holds no vars.
   */
  private collect(namespace: Namespace | undefined, tokens: readonly string[], i: number, found: Var<any>[]): void {
    const token = tokens[i];
    const children = namespace ? namespace.childMap : this.topLevel;
    const visible = (ns: Namespace) => i > 0 || ns.name.charCodeAt(0) !== 36;
    if (token === '>') {
      if (namespace) pushVars(namespace, found);
      for (const child of children.values()) if (visible(child)) collectSubtree(child, found);
      return;
    }
    if (i === tokens.length - 1) {
      if (!namespace) return;
      if (token === '*') pushVars(namespace, found);
      else {
        const target = this.varsByFqn.get(joinFqn(namespace.name, token));
        if (target) found.push(target);
      }
      return;
    }
    if (token === '*') {
      for (const child of children.values()) if (visible(child)) this.collect(child, tokens, i + 1, found);
      return;
    }
    const child = children.get(token);
    if (child) this.collect(child, tokens, i + 1, found);
  }

  private createNsFrom(tokens: readonly string[], origin: string | undefined): Namespace {
    let parent: Namespace | undefined;
    let siblings = this.topLevel;
    let name = '';
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i];
      name = i === 0 ? token : `${name}.${token}`;
      let namespace = siblings.get(token);
      if (!namespace) {
        namespace = new Namespace(this, name, tokens.slice(0, i + 1), parent);
        siblings.set(token, namespace);
        this.namespacesByName.set(name, namespace);
        this.announceNs('ns-created', namespace, origin);
      }
      parent = namespace;
      siblings = namespace.childMap;
    }
    return parent!;
  }

  private announceNs(type: 'ns-created' | 'ns-removed', namespace: Namespace, origin: string | undefined): void {
    if (this.listenerTrie.size === 0 && this.allListeners.size === 0) return;
    const event: SpaceEvent = origin === undefined ? { type, ns: namespace.name } : { type, ns: namespace.name, origin };
    const listeners: Listener[] = [...this.allListeners];
    this.listenerTrie.forEachNsMatch(namespace.tokens, (listener) => listeners.push(listener));
    this.dispatch(listeners, event);
  }

  private announceVar(type: VarEvent['type'], target: Var<any>, origin: string | undefined): void {
    if (this.listenerTrie.size === 0 && this.allListeners.size === 0) return;
    const namespace = target.namespace as Namespace;
    const name = target.name;
    const listeners: Listener[] = this.allListeners.size === 0 ? [] : [...this.allListeners];
    const frontier = (namespace.listenerFrontier = this.listenerTrie.frontier(namespace.tokens, namespace.listenerFrontier));
    this.listenerTrie.forEachMatchIn(frontier, name, (listener) => listeners.push(listener));
    if (listeners.length === 0) return; // no one to tell: no event to build
    // Object literals with the keys in one order (not spreads): one hidden class per kind of event.
    const fqn = target.fqn;
    const ns = namespace.name;
    let event: VarEvent;
    if (type === 'meta-changed') {
      const meta = target.meta;
      event = origin === undefined ? { type, fqn, ns, name, meta } : { type, fqn, ns, name, origin, meta };
    } else {
      event = origin === undefined ? { type, fqn, ns, name } : { type, fqn, ns, name, origin };
    }
    this.dispatch(listeners, event);
  }

  private dispatch(listeners: Listener[], event: SpaceEvent): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.report(error);
      }
    }
  }
}

/** App code may not intern system names; `fqn` is known valid, so any `$` starts a system token. */
function refuseReserved(fqn: string): void {
  if (fqn.includes('$')) throw new ReservedNameError(fqn);
}

function pushVars(namespace: Namespace, found: Var<any>[]): void {
  for (let target = namespace.firstVar; target; target = target.nsNext) found.push(target);
}

function collectSubtree(namespace: Namespace, found: Var<any>[]): void {
  pushVars(namespace, found);
  for (const child of namespace.childMap.values()) collectSubtree(child, found);
}
