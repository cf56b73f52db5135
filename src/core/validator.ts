import type { ZodType } from 'zod';
import { ValidationError } from './errors.js';

// Method syntax keeps the predicate bivariant, so a `Var<number>` is still a `Var<unknown>`.
type Predicate<T> = { check(value: T): boolean }['check'];

/** A zod schema or a predicate that accepts or refuses a value. */
export type Validator<T> = ZodType<T> | Predicate<T>;

function isSchema<T>(validator: Validator<T>): validator is ZodType<T> {
  return typeof (validator as ZodType<T>).safeParse === 'function';
}

/**
 * Checks `value` against `validator`; the value itself is kept (schemas check, they do not transform).
 *
 * @throws {ValidationError} with the schema's issues, or when the predicate returns false or throws.
 * @example checkValue('ui/x', z.number(), 'no') // throws ValidationError
 */
export function checkValue<T>(fqn: string, validator: Validator<T>, value: unknown): void {
  if (isSchema(validator)) {
    const result = validator.safeParse(value);
    if (result.success) return;
    const issues = result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    const text = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
    throw new ValidationError(`${fqn}: value refused: ${text}`, { fqn, issues });
  }
  let accepted: boolean;
  try {
    accepted = validator(value as T);
  } catch (error) {
    throw new ValidationError(`${fqn}: validator threw: ${(error as Error)?.message ?? String(error)}`, { fqn });
  }
  if (!accepted) throw new ValidationError(`${fqn}: value refused by validator`, { fqn });
}
