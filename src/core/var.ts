import { BehaviorSubject, Observable, Subject, type Subscription } from 'rxjs';
import { ReadOnlyError, UnmappedError } from './errors.js';
import type { Batch } from './batch.js';
import type { Transaction } from './transaction.js';
import { reportingObserver, type SubscribeArgument } from './reporting.js';
import { checkJsonValue } from './json-value.js';
import { checkValue, type Validator } from './validator.js';

/** One accepted write, as seen by `changes$`. `origin` is the instance id of a remote writer. */
export interface Change<T> {
  readonly old: T | undefined;
  readonly value: T;
  readonly version: number;
  readonly origin?: string;
}

/** A Clojure-style watch: called after each accepted write with the key, the var, the old and the new value. */
export type WatchFn<T> = (key: string, target: Var<T>, old: T | undefined, value: T) => void;

/** What links and hubs call after each accepted write: the value, and the remote writer's id (`undefined`: a local write). @internal */
export type WriteHook = (value: any, origin: string | undefined) => void;

/** Metadata of a var: small descriptive data. */
export type Meta = Readonly<Record<string, unknown>>;

/** What a var needs from the space that owns it. @internal */
export interface VarHost {
  readonly batch: Batch;
  transaction: Transaction | undefined;
  report(error: unknown): void;
  metaChanged(target: Var<any>): void;
}

/** The namespace a var lives in, as the var sees it. @internal */
export interface VarNamespace {
  readonly name: string;
  /** The space's side of its vars: shared by all, rather than a field in each var. */
  readonly host: VarHost;
}

const NO_META: Meta = Object.freeze({});

/**
 * What most vars never use, kept apart and made on first use: each field of a var costs
 * 8 bytes in each of possibly millions of vars.
 */
interface VarExtras {
  validator: Validator<any> | undefined;
  watches: Map<string, WatchFn<any>> | undefined;
  changes: Subject<Change<any>> | undefined;
  writeHooks: readonly WriteHook[] | undefined;
  /** Links sharing the var (and a hub holding it): while any does, local writes must be JSON values. */
  jsonOnly: number;
  meta: Meta;
}

/**
 * A named piece of state: a `BehaviorSubject` with a fully-qualified name, validation,
 * watches, metadata and a version. Get one from `space.intern(fqn)`; never construct it.
 *
 * @example
 * const clicks = space.intern('ui.buttons/clicks', 0);
 * clicks.swap((n) => n + 1);
 * clicks.subscribe((n) => console.log(n));
 */
export class Var<T = unknown> extends BehaviorSubject<T> {
  /** Fully-qualified name, `namespace/name`. */
  readonly fqn: string;
  /** Number of accepted writes. */
  version = 0;
  /** @internal set by `derive`: app writes throw {@link ReadOnlyError}. */
  readOnly = false;
  /** @internal the namespace it lives in. */
  readonly namespace: VarNamespace;
  /** @internal neighbours in the namespace's list of vars. */
  nsPrev: Var<any> | undefined = undefined;
  /** @internal see `nsPrev`. */
  nsNext: Var<any> | undefined = undefined;
  private unmapped = false;
  private extras: VarExtras | undefined = undefined;

  /** @internal use `space.intern`. */
  constructor(namespace: VarNamespace, fqn: string) {
    super(undefined as T);
    this.namespace = namespace;
    this.fqn = fqn;
  }

  /** The var's own name (the part after `/`). */
  get name(): string {
    return this.fqn.slice(this.namespace.name.length + 1);
  }

  /** False until a first value is set (an accepted write is what bumps the version). */
  get bound(): boolean {
    return this.version > 0;
  }

  /** The namespace name (the part before `/`). */
  get ns(): string {
    return this.namespace.name;
  }

  /** The current value (`undefined` while unbound). */
  deref(): T {
    return this.getValue();
  }

  /**
   * Validates, sets and emits `value`; returns it.
   * @throws {ValidationError} when the validator refuses, or a link shares the var and `value` is
   *   not a JSON value (nothing changes).
   * @throws {ReadOnlyError} on a derived var. {@link UnmappedError} after `unmap`.
   */
  reset(value: T): T {
    if (this.readOnly) throw new ReadOnlyError(this.fqn);
    return this.write(value, undefined);
  }

  /** Same as {@link Var.reset}, so that `source.subscribe(aVar)` writes into the var. */
  override next(value: T): void {
    this.reset(value);
  }

  /**
   * Sets the value to `fn(current, ...args)`; `fn` must be pure. Returns the new value.
   * @example counter.swap((n, by) => n + by, 5)
   */
  swap<A extends unknown[]>(fn: (current: T, ...args: A) => T, ...args: A): T {
    return this.reset(fn(this.getValue(), ...args));
  }

  /** Like {@link Var.reset}, returning `[old, new]`. */
  resetVals(value: T): [T, T] {
    const old = this.getValue();
    return [old, this.reset(value)];
  }

  /** Like {@link Var.swap}, returning `[old, new]`. */
  swapVals<A extends unknown[]>(fn: (current: T, ...args: A) => T, ...args: A): [T, T] {
    const old = this.getValue();
    return [old, this.reset(fn(old, ...args))];
  }

  /**
   * Sets `value` only if the current value is `Object.is` to `expected`.
   * @returns whether it was set.
   */
  compareAndSet(expected: T, value: T): boolean {
    if (!Object.is(this.getValue(), expected)) return false;
    this.reset(value);
    return true;
  }

  /** Every accepted write as `{ old, value, version, origin? }`. */
  get changes$(): Observable<Change<T>> {
    const extras = this.extra();
    extras.changes ??= new Subject<Change<any>>();
    return extras.changes.asObservable();
  }

  /** Metadata (frozen). Changing it emits a `meta-changed` space event, not a value. */
  get meta(): Meta {
    return this.extras?.meta ?? NO_META;
  }

  /** Replaces the metadata with `fn(meta, ...args)`. */
  alterMeta<A extends unknown[]>(fn: (meta: Meta, ...args: A) => Meta, ...args: A): Meta {
    return this.resetMeta(fn(this.meta, ...args));
  }

  /** Replaces the metadata. */
  resetMeta(meta: Meta): Meta {
    const frozen = Object.freeze({ ...meta });
    this.extra().meta = frozen;
    this.host.metaChanged(this as Var<any>);
    return frozen;
  }

  /**
   * Installs a zod schema or predicate that every later write must pass; `null` removes it.
   * @throws {ValidationError} when the current (bound) value fails it; the validator is then not installed.
   */
  setValidator(validator: Validator<T> | null): void {
    if (validator && this.bound) checkValue(this.fqn, validator, this.getValue());
    if (validator) this.extra().validator = validator;
    else if (this.extras) this.extras.validator = undefined;
  }

  /** The installed validator, if any. */
  getValidator(): Validator<T> | undefined {
    return this.extras?.validator;
  }

  /** Adds (or replaces, for the same key) a watch called after each accepted write. */
  addWatch(key: string, fn: WatchFn<T>): this {
    (this.extra().watches ??= new Map()).set(key, fn);
    return this;
  }

  /**
   * Calls `hook` after each accepted write, with the write's origin: the plain function call
   * that a link or hub needs on every var it shares, where a `changes$` subscription would cost an
   * event object and a chain of subscribers per write. A hook that throws is reported on the
   * space's `errors$`. @internal
   *
   * @returns the function that removes it.
   */
  onWrite(hook: WriteHook): () => void {
    const extras = this.extra();
    // a literal, not a spread: a spread array keeps spare room (the hub holds a hooked var per connection)
    extras.writeHooks = extras.writeHooks === undefined ? [hook] : [...extras.writeHooks, hook];
    return () => {
      const rest = extras.writeHooks?.filter((each) => each !== hook);
      extras.writeHooks = rest?.length ? rest : undefined;
    };
  }

  /**
   * While required (by each link that shares the var, or a hub), a local write (one with no
   * remote origin) of a value that is not a JSON value is refused as a validator refuses it: the
   * write throws {@link ValidationError} and nothing changes. Each `true` is undone by one `false`.
   * @internal
   */
  requireJson(required: boolean): void {
    this.extra().jsonOnly += required ? 1 : -1;
  }

  /** Removes a watch; returns whether it was there. */
  removeWatch(key: string): boolean {
    return this.extras?.watches?.delete(key) ?? false;
  }

  /** A source that completes does not complete the var; a var ends only when unmapped. */
  override complete(): void {}

  /** A source that errors does not kill the var; the error is reported on the space's `errors$`. */
  override error(error: unknown): void {
    this.host.report(error);
  }

  /**
   * Subscribes; a callback that throws is reported on the space's `errors$` and does not stop
   * the other subscribers or undo the write.
   */
  override subscribe(observerOrNext?: SubscribeArgument<T>): Subscription {
    return super.subscribe(reportingObserver(observerOrNext, this.host.report));
  }

  /**
   * Writes `value` with an optional remote origin, bypassing the read-only guard (for the
   * space, links and `derive`). @internal
   */
  write(value: T, origin: string | undefined): T {
    if (this.unmapped) throw new UnmappedError(this.fqn);
    const extras = this.extras;
    if (extras !== undefined) {
      if (extras.jsonOnly > 0 && origin === undefined) checkJsonValue(value, this.fqn);
      if (extras.validator) checkValue(this.fqn, extras.validator, value);
    }
    const transaction = this.host.transaction;
    if (transaction) {
      transaction.record(this as Var<any>, origin);
      this.store(value);
      return value;
    }
    const old = this.getValue();
    this.store(value);
    const batch = this.host.batch;
    batch.depth++;
    try {
      this.emit(old, origin);
    } finally {
      if (--batch.depth === 0 && batch.queue.length > 0) batch.drain();
    }
    return value;
  }

  /** Sets the value without emitting (initial value before the var is announced, transactions). @internal */
  store(value: T): void {
    // RxJS has no public way to set a BehaviorSubject's value without emitting it: its private
    // `_value`, pinned by spec/core/rxjs-internals.spec.ts.
    (this as unknown as { _value: T })._value = value;
    this.version++;
  }

  /** Puts back a state saved by a transaction. @internal */
  restore(value: T, version: number): void {
    (this as unknown as { _value: T })._value = value;
    this.version = version;
  }

  /** Emits the current value to subscribers, write hooks, `changes$` and watches. @internal */
  emit(old: T | undefined, origin: string | undefined): void {
    const value = this.getValue();
    // Unobserved (a var that only a link or hub shares), next would cost a closure and rxjs's
    // error context per write and deliver nothing: skipping it doubles such writes (bench/core.ts).
    // A closed subject never gets here: getValue throws first.
    if (this.observed) super.next(value);
    const extras = this.extras;
    if (extras === undefined) return;
    const hooks = extras.writeHooks;
    if (hooks !== undefined) {
      for (let i = 0; i < hooks.length; i++) {
        try {
          hooks[i](value, origin);
        } catch (error) {
          this.host.report(error);
        }
      }
    }
    if (extras.changes?.observed) {
      extras.changes.next(origin === undefined ? { old, value, version: this.version } : { old, value, version: this.version, origin });
    }
    if (extras.watches) {
      for (const [key, fn] of extras.watches) {
        try {
          fn(key, this, old, value);
        } catch (error) {
          this.host.report(error);
        }
      }
    }
  }

  private extra(): VarExtras {
    return (this.extras ??= {
      validator: undefined,
      watches: undefined,
      changes: undefined,
      writeHooks: undefined,
      jsonOnly: 0,
      meta: NO_META,
    });
  }

  private get host(): VarHost {
    return this.namespace.host;
  }

  /** Ends the var when it is unmapped. @internal */
  end(): void {
    this.unmapped = true;
    if (this.extras) this.extras.writeHooks = undefined;
    this.extras?.changes?.complete();
    super.complete();
  }

  /** True once the var was unmapped. */
  get isUnmapped(): boolean {
    return this.unmapped;
  }
}
