import {
  AbortedError,
  ClockSkewError,
  ClosedError,
  ConflictError,
  CycleError,
  ForbiddenError,
  InternalError,
  LimitError,
  NameError,
  NotFoundError,
  PortInUseError,
  ProtocolError,
  ReadOnlyError,
  ReservedNameError,
  StoreError,
  TimeoutError,
  UnauthenticatedError,
  UnmappedError,
  ValidationError,
  VarspaceError,
  VersionError,
} from '../core/errors.js';
import type { ErrMessage } from './messages.js';

type Make = (message: string, details: Record<string, unknown>) => VarspaceError;

const BY_CODE: Record<string, Make> = {
  VS_BAD_NAME: (m, d) => new NameError(m, d),
  VS_RESERVED_NAME: (_m, d) => new ReservedNameError(String(d.fqn ?? '')),
  VS_INVALID_VALUE: (m, d) => new ValidationError(m, d),
  VS_TIMEOUT: (m, d) => new TimeoutError(m, d),
  VS_ABORTED: (m) => new AbortedError(m),
  VS_READ_ONLY: (_m, d) => new ReadOnlyError(String(d.fqn ?? '')),
  VS_UNMAPPED: (_m, d) => new UnmappedError(String(d.fqn ?? '')),
  VS_BAD_FRAME: (m, d) => new ProtocolError(m, d),
  VS_UNSUPPORTED_VERSION: (m, d) => new VersionError(m, d),
  VS_CONFLICT: (m, d) => new ConflictError(m, d),
  VS_FORBIDDEN: (m, d) => new ForbiddenError(m, d),
  VS_UNAUTHENTICATED: (m, d) => new UnauthenticatedError(m, d),
  VS_LIMIT: (m, d) => new LimitError(m, d),
  VS_CLOSED: (m, d) => new ClosedError(m, d),
  VS_CYCLE: (m, d) => new CycleError(m, d),
  VS_STORE: (m, d) => new StoreError(m, d),
  VS_NOT_FOUND: (m, d) => new NotFoundError(m, d),
  VS_PORT_IN_USE: (m, d) => new PortInUseError(m, d),
  VS_INTERNAL: (m, d) => new InternalError(m, d),
  VS_CLOCK_SKEW: (m, d) => new ClockSkewError(m, d),
};

/**
 * Turns an `err` message from the peer into the matching typed error (same class and code as
 * on the side that raised it; an unknown code stays a `VarspaceError` with that code).
 * @example throw remoteError({ t: 'err', code: 'VS_FORBIDDEN', message: 'no' })
 */
export function remoteError(message: ErrMessage): VarspaceError {
  const details: Record<string, unknown> = {};
  if (message.fqn !== undefined) details.fqn = message.fqn;
  if (message.current !== undefined) details.current = message.current;
  const make = BY_CODE[message.code];
  if (!make) return new VarspaceError(message.code, message.message, details);
  const error = make(message.message, details);
  if (error.message !== message.message) (error as { message: string }).message = message.message;
  return error;
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
