// Internal helpers of the identity module (not exported from the package).
import type { $ZodError } from 'zod/v4/core';
import { NameError, ValidationError, VarspaceError } from '../core/errors.js';
import { parseNs } from '../core/names.js';

/**
 * Checks that `name` is one token (as in a namespace or var name: `[A-Za-z0-9_][A-Za-z0-9_\-+!?']*`,
 * not `$…`, not `__proto__`/`prototype`/`constructor`), using the names module's parser.
 * @throws {NameError} or `ReservedNameError`, saying what the name was for.
 */
export function parseToken(name: unknown, what: string): string {
  let tokens: string[];
  try {
    tokens = parseNs(name as string);
  } catch (error) {
    if (error instanceof NameError) throw new NameError(`${what}: ${error.message}`, { ...error.details, what });
    throw error;
  }
  if (tokens.length !== 1) throw new NameError(`${what} ${JSON.stringify(name)} must be one token (no ".")`, { name, what });
  return name as string;
}

/** True when `name` is one valid, non-system token. */
export function isToken(name: unknown): boolean {
  try {
    parseToken(name, 'name');
    return true;
  } catch (error) {
    if (error instanceof VarspaceError) return false;
    throw error;
  }
}

/** Turns a zod error into a {@link ValidationError} whose message lists every issue. */
export function refused(what: string, error: $ZodError, allowedKeys?: readonly string[]): ValidationError {
  const issues = error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((key) => JSON.stringify(key)).join(', ');
      message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}`;
      if (allowedKeys) message += ` (allowed: ${allowedKeys.join(', ')})`;
    }
    return { path, message };
  });
  const text = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
  return new ValidationError(`${what} refused: ${text}`, { what, issues });
}
