import {
  ClosedError,
  ConflictError,
  ForbiddenError,
  LimitError,
  NameError,
  ProtocolError,
  ReadOnlyError,
  UnauthenticatedError,
  ValidationError,
  VarspaceError,
  VersionError,
} from '../core/errors.js';
import type { ErrMessage } from './messages.js';

/**
 * Turns an `err` message from the peer into the matching typed error (same class and code as
 * on the side that raised it).
 * @example throw remoteError({ t: 'err', code: 'VS_FORBIDDEN', message: 'no' })
 */
export function remoteError(message: ErrMessage): VarspaceError {
  const details: Record<string, unknown> = {};
  if (message.fqn !== undefined) details.fqn = message.fqn;
  if (message.current !== undefined) details.current = message.current;
  switch (message.code) {
    case 'VS_BAD_NAME': return new NameError(message.message, details);
    case 'VS_INVALID_VALUE': return new ValidationError(message.message, details);
    case 'VS_BAD_FRAME': return new ProtocolError(message.message, details);
    case 'VS_UNSUPPORTED_VERSION': return new VersionError(message.message, details);
    case 'VS_CONFLICT': return new ConflictError(message.message, details);
    case 'VS_FORBIDDEN': return new ForbiddenError(message.message, details);
    case 'VS_UNAUTHENTICATED': return new UnauthenticatedError(message.message, details);
    case 'VS_LIMIT': return new LimitError(message.message, details);
    case 'VS_CLOSED': return new ClosedError(message.message, details);
    case 'VS_READ_ONLY': return new ReadOnlyError(message.fqn ?? message.message);
    default: return new VarspaceError(message.code, message.message, details);
  }
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
