import en from 'zod/v4/locales/en.js';
import { safeParse as parseWith } from 'zod/mini';
import type { $ZodType, output, util } from 'zod/v4/core';

/** zod's English messages: `zod/mini` ships without a locale and would say only "Invalid input". */
const ENGLISH = { error: en().localeError };

/**
 * Checks `value` against a zod schema of either form (`zod` or `zod/mini`: the library's own are
 * `zod/mini`, which keeps the browser bundle small) with zod's English messages, whatever locale
 * the app configured for its own schemas.
 *
 * @returns zod's result: `{ success: true, data }` or `{ success: false, error }` (never throws).
 * @example safeParse(helloSchema, message).success
 */
export function safeParse<S extends $ZodType>(schema: S, value: unknown): util.SafeParseResult<output<S>> {
  return parseWith(schema, value, ENGLISH);
}
