/**
 * A value as it arrived from another process: which var (`fqn`), which instance wrote it
 * (`from`, an instance id stamped by the hub) and the write's `stamp` (hybrid logical clock
 * plus writer id, as text; stamps of one var order its writes). Links emit these from
 * `remote$(fqn)`; `fromInstance` and `notFrom` filter them.
 *
 * @example
 * const t: Tagged<number> = { value: 3, fqn: 'app/count', from: '550e8400-…', stamp: '…' };
 */
export interface Tagged<T> {
  readonly value: T;
  readonly fqn: string;
  readonly from: string;
  readonly stamp: string;
}

/**
 * Anything that maps a local name to an instance id (a `LocalNames` is one): `fromInstance`
 * and `notFrom` resolve their argument through it when it knows the name.
 */
export interface NameResolver {
  get(name: string): string | undefined;
}
