import { ERROR_CLASSES } from '../core/error-classes.js';
import { VarspaceError } from '../core/errors.js';
import type { ErrMessage } from './messages.js';

/**
 * Turns an `err` message from the peer into the matching typed error (same class and code as
 * on the side that raised it, from the table of codes in `core/error-classes.ts`; an unknown code stays a
 * `VarspaceError` with that code). `details` holds what the wire carries: `fqn`, `current`.
 * @example throw remoteError({ t: 'err', code: 'VS_FORBIDDEN', message: 'no' })
 */
export function remoteError(message: ErrMessage): VarspaceError {
  const details: Record<string, unknown> = {};
  if (message.fqn !== undefined) details.fqn = message.fqn;
  if (message.current !== undefined) details.current = message.current;
  // Every class is built alike, through the base constructor as that class: its own constructor's
  // parameters (a name, an fqn) are the raising side's, and the wire carries the message whole.
  const errorClass = ERROR_CLASSES.get(message.code) ?? VarspaceError;
  return Reflect.construct(VarspaceError, [message.code, message.message, details], errorClass) as VarspaceError;
}

/** The `err` message for an error (typed errors keep their code; anything else is `VS_INTERNAL`). */
export function errMessage(error: unknown, extra: Partial<ErrMessage> = {}): ErrMessage {
  const typed = error instanceof VarspaceError;
  return {
    t: 'err',
    code: typed ? error.code : 'VS_INTERNAL',
    message: typed ? error.message.slice(0, 2000) : 'internal error',
    ...extra,
  };
}
