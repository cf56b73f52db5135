import { distinctUntilChanged, map, type OperatorFunction } from 'rxjs';

/**
 * The type at a dotted property path: `PathValue<{ user: { name: string } }, 'user.name'>` is
 * `string`. Optional links make the result possibly `undefined`; an unknown key gives `unknown`.
 */
export type PathValue<T, P extends string> = P extends `${infer Head}.${infer Rest}`
  ? Head extends keyof NonNullable<T>
    ? PathValue<NonNullable<T>[Head], Rest> | (T extends null | undefined ? undefined : never)
    : unknown
  : P extends keyof NonNullable<T>
    ? NonNullable<T>[P] | (T extends null | undefined ? undefined : never)
    : unknown;

function readPath(value: unknown, keys: readonly string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || current === undefined) return undefined;
    if (current instanceof Map) current = current.get(key);
    else if (typeof current === 'object' || typeof current === 'function') {
      current = Object.prototype.hasOwnProperty.call(current, key) ? (current as Record<string, unknown>)[key] : undefined;
    } else return undefined;
  }
  return current;
}

/**
 * Projects each value and emits only when the projection changes (`distinctUntilChanged`
 * with `Object.is`). A path (`'user.name'`, `'items.0.id'`) reads own properties (or `Map`
 * entries) and gives `undefined` where a link is missing; a function gets the whole value.
 *
 * @param pathOrFn a dotted property path, or a projection function (pure).
 * @throws {TypeError} (at call time) when given neither a non-empty string nor a function.
 * @example
 * ref$<State>('app/state', space).pipe(select('user.name')).subscribe(showName);
 * ref$<State>('app/state', space).pipe(select((s) => s.items.length));
 */
export function select<T, R>(fn: (value: T) => R): OperatorFunction<T, R>;
export function select<T, P extends string>(path: P): OperatorFunction<T, PathValue<T, P>>;
export function select<T>(pathOrFn: string | ((value: T) => unknown)): OperatorFunction<T, unknown> {
  if (typeof pathOrFn === 'function') return (source) => source.pipe(map(pathOrFn), distinctUntilChanged(Object.is));
  if (typeof pathOrFn !== 'string' || pathOrFn === '') throw new TypeError('select: expected a property path or a function');
  // A property path inside a value, not a var name: splitting it here is fine.
  const keys = pathOrFn.split('.');
  return (source) =>
    source.pipe(
      map((value) => readPath(value, keys)),
      distinctUntilChanged(Object.is),
    );
}
