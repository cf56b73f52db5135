import * as z from 'zod/mini';
import type { $ZodType } from 'zod/v4/core';
import { ValidationError } from '../core/errors.js';
import { safeParse } from '../identity/safe-parse.js';
import { refused } from '../identity/token.js';

/** True for a Promise (or any thenable): what an option holds when its producer was not awaited. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * Checks the options of a public entry point (`startHub`, `connect`) against a strict zod schema
 * (of either form: `zod/mini` or the hub's full `zod`),
 * before anything starts. A Promise where a value belongs is named as such ("did you forget
 * await?"), since its shape alone would only say "invalid input".
 *
 * @param what names the options in the message, e.g. `startHub options`.
 * @throws {ValidationError} (`VS_INVALID_VALUE`) listing every unknown key, wrong type and Promise.
 * @example parseOptions(connectOptionsSchema, options, 'connect options')
 */
export function parseOptions<T>(schema: $ZodType<T>, options: unknown, what: string): T {
  const promises = isThenable(options)
    ? ['']
    : Object.entries(options ?? {})
        .filter(([, value]) => isThenable(value))
        .map(([key]) => key);
  if (promises.length > 0) {
    const text = promises.map((key) => `${key ? `${key}: ` : ''}a Promise where a value belongs (did you forget await?)`).join('; ');
    throw new ValidationError(`${what} refused: ${text}`, {
      what,
      issues: promises.map((path) => ({ path, message: 'did you forget await?' })),
    });
  }
  const result = safeParse(schema, options);
  if (!result.success) throw refused(what, result.error);
  return result.data;
}

/** A function option (checked to be callable; its behaviour is the caller's). */
export const fnOption = z.custom<(...args: never[]) => unknown>((value) => typeof value === 'function', 'expected a function');

/**
 * An object option checked by shape: an object whose `methods` are functions (not deeply: a
 * space, store or logger is the caller's). @example objectWith('Store', ['get', 'put', 'records', 'close'])
 */
export function objectWith<T>(name: string, methods: readonly string[]): z.ZodMiniCustom<T> {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
    `expected a ${name} (an object with ${methods.join(', ')})`,
  );
}

/** Keep-alive options, the same for a hub and a link. */
export const heartbeatOption = z.union([
  z.literal(false),
  z.strictObject({ intervalMs: z.optional(z.number().check(z.positive())), timeoutMs: z.optional(z.number().check(z.positive())) }),
]);

/**
 * Compiles only when `Shape` has a schema entry for every key of `Options`, so that a new option
 * cannot be left out of its schema. @example type Covered = CoversKeys<ConnectOptions, typeof shape>;
 */
export type CoversKeys<Options, Shape extends { readonly [K in keyof Required<Options>]: unknown }> = Shape;
