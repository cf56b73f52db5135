import { Observable, Subject } from 'rxjs';
import { isUuid } from './uuid.js';
import { ValidationError } from '../core/errors.js';
import { isToken, parseToken } from './token.js';

/** One change of a {@link LocalNames}: `value` is `undefined` when the name was deleted, `old` when it was new. */
export interface LocalNameChange {
  readonly name: string;
  readonly old: string | undefined;
  readonly value: string | undefined;
}

/**
 * A process's own nicknames for other processes (SPKI/SDSI local names): `prod` means
 * instance `a1b2…` *to this process*. They are never sent as identities. Names are single
 * tokens; targets are instance ids (UUIDs) or identities (tokens such as `dashboard-prod`).
 * Storage is a `Map`.
 *
 * @example
 * const names = new LocalNames([['prod', '550e8400-e29b-41d4-a716-446655440000']]);
 * names.changes$.subscribe(({ name, value }) => console.log(name, '->', value));
 * names.set('staging', 'e5f6a7b8-0000-4000-8000-000000000000');
 * link.remote$('app/state').pipe(fromInstance('prod', names));
 */
export class LocalNames {
  private readonly map = new Map<string, string>();
  private readonly subject = new Subject<LocalNameChange>();

  /** Every `set` that changed a name, and every `delete` that removed one. */
  readonly changes$: Observable<LocalNameChange> = this.subject.asObservable();

  /**
   * @param initial `[name, target]` pairs to start with.
   * @throws as {@link LocalNames.set}.
   */
  constructor(initial?: Iterable<readonly [string, string]>) {
    if (initial) for (const [name, target] of initial) this.set(name, target);
  }

  /**
   * Points `name` at an instance id or identity; emits on `changes$` when that changes something.
   * @throws {NameError} when `name` is not one token ({@link ReservedNameError} for `$…`);
   *   {@link ValidationError} when `target` is neither a UUID nor a token.
   * @example names.set('prod', instanceId)
   */
  set(name: string, target: string): this {
    parseToken(name, 'local name');
    if (typeof target !== 'string' || !(isUuid(target) || isToken(target))) {
      throw new ValidationError(
        `local name ${name}: target ${JSON.stringify(target)} must be an instance id (UUID) or an identity (one token)`,
        { name },
      );
    }
    const old = this.map.get(name);
    if (old === target) return this;
    this.map.set(name, target);
    this.subject.next({ name, old, value: target });
    return this;
  }

  /** The instance id or identity `name` points at, or `undefined` (never throws). */
  get(name: string): string | undefined {
    return this.map.get(name);
  }

  /** Whether `name` is known. */
  has(name: string): boolean {
    return this.map.has(name);
  }

  /** `get(nameOrId)` when it is a known name, else the argument itself (taken as an id). */
  resolve(nameOrId: string): string {
    return this.map.get(nameOrId) ?? nameOrId;
  }

  /** Forgets `name`; returns whether it was known (and then emits on `changes$`). */
  delete(name: string): boolean {
    const old = this.map.get(name);
    if (old === undefined) return false;
    this.map.delete(name);
    this.subject.next({ name, old, value: undefined });
    return true;
  }

  /** A snapshot of `[name, target]` pairs, in insertion order. */
  entries(): Array<[string, string]> {
    return [...this.map.entries()];
  }

  /** Number of names. */
  get size(): number {
    return this.map.size;
  }
}
